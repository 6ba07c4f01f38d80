package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/pasarhq/pasar/deploy/deploytest"
	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// shipped are the fields both pipelines promise in Elasticsearch (their header comments), and the
// JSON type pasar writes each with.
var shipped = map[string]string{
	"time": "string", "level": "string", "msg": "string", "service": "string", "request_id": "string",
	"trace_id": "string", "span_id": "string", "route": "string", "status": "number", "duration": "number",
}

// referenced returns the pasar fields a configuration reads by name.
func referenced(t *testing.T, file string, patterns ...string) []string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range patterns {
		for _, m := range regexp.MustCompile(p).FindAllStringSubmatch(string(raw), -1) {
			out = append(out, m[1])
		}
	}
	for f := range shipped {
		if !strings.Contains(string(raw), f) {
			t.Errorf("%s does not mention %s, which the pipelines promise", file, f)
		}
	}
	return out
}

// strptime turns the Fluent Bit time format into a regular expression matching exactly what it
// reads (%L: fractional seconds; %z: Z, +hh:mm or +hhmm).
func strptime(t *testing.T, f string) *regexp.Regexp {
	t.Helper()
	directives := map[byte]string{'Y': `\d{4}`, 'm': `\d{2}`, 'd': `\d{2}`, 'H': `\d{2}`, 'M': `\d{2}`, 'S': `\d{2}`,
		'L': `\d+`, 'z': `(Z|[+-]\d{2}:?\d{2})`}
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			re.WriteString(regexp.QuoteMeta(f[i : i+1]))
			continue
		}
		i++
		d, ok := directives[f[min(i, len(f)-1)]]
		if !ok {
			t.Fatalf("Time_Format %s: this test does not know %%%c", f, f[min(i, len(f)-1)])
		}
		re.WriteString(d)
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

// TestShippersMatchPasarLogs runs a shop with the JSON logger it has in production, traced, sends
// it a read and a request its WAF blocks, and checks its log lines against the shipping configs:
// every line is one JSON object whose time the Fluent Bit parser's format reads, and every field
// the configs read or promise is written by pasar with the type they expect.
func TestShippersMatchPasarLogs(t *testing.T) {
	raw, err := os.ReadFile("fluent-bit/parsers.conf")
	if err != nil {
		t.Fatal(err)
	}
	timeKey := regexp.MustCompile(`(?m)^\s*Time_Key\s+(\S+)`).FindStringSubmatch(string(raw))
	timeFormat := regexp.MustCompile(`(?m)^\s*Time_Format\s+(\S+)`).FindStringSubmatch(string(raw))
	if timeKey == nil || timeFormat == nil {
		t.Fatal("fluent-bit/parsers.conf: no Time_Key or Time_Format")
	}
	timeRE := strptime(t, timeFormat[1])
	fields := append([]string{timeKey[1]},
		referenced(t, "fluent-bit/fluent-bit.conf", `Key_does_not_exist\s+(\w+)`, `Copy\s+\S+\s+(\w+)`)...)
	fields = append(fields, referenced(t, "logstash/pasar.conf", `match => \["(\w+)"`, `if !?\[(\w+)\]`, `event\.get\('(\w+)'\)`, `\]" => "(\w+)"`)...)
	for _, f := range fields {
		if _, ok := shipped[f]; !ok {
			t.Errorf("a shipping config reads field %q, which the pipelines do not promise (or pasar does not write)", f)
		}
	}

	out := &deploytest.SyncBuffer{}
	log := observability.NewLogger(out, slog.LevelInfo, "json")
	cfg := config.Default()
	cfg.DataDir, cfg.WAF, cfg.RateLimitClient = t.TempDir(), "block", 0
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	shop, err := app.New(t.Context(), cfg, log, app.WithTracing(tp))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(shop.Handler())
	for _, path := range []string{"/api/v1/products?limit=1", "/api/v1/search?q=%3Cscript%3Ealert(1)%3C/script%3E"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close()
	shop.Close()

	seen := map[string]int{}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("a log line is not one JSON object (%v): %s", err, sc.Text())
		}
		ts, _ := rec[timeKey[1]].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !timeRE.MatchString(ts) {
			t.Errorf("time %q does not match Fluent Bit's Time_Format %s: %s", ts, timeFormat[1], sc.Text())
		}
		for k, v := range rec {
			want, ok := shipped[k]
			if !ok {
				continue
			}
			got := "string"
			if _, isNum := v.(float64); isNum {
				got = "number"
			}
			if got != want {
				t.Errorf("%s is a %s in %s, want a %s", k, got, sc.Text(), want)
			}
			seen[k]++
		}
	}
	if lines < 3 {
		t.Fatalf("only %d log lines", lines)
	}
	for f := range shipped {
		if seen[f] == 0 {
			t.Errorf("no pasar log line has %s, which the shipping configs parse", f)
		}
	}
}

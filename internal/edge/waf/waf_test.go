package waf

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// compiled shares one compiled rule set per mode across tests: compiling takes about a second.
var compiled = struct {
	sync.Mutex
	m map[Mode]*WAF
}{m: map[Mode]*WAF{}}

func testWAF(t testing.TB, mode Mode, log *slog.Logger) *WAF {
	t.Helper()
	compiled.Lock()
	defer compiled.Unlock()
	w, ok := compiled.m[mode]
	if !ok {
		var err error
		if w, err = New(Options{Mode: mode, MaxBodyBytes: 1 << 20}); err != nil {
			t.Fatal(err)
		}
		compiled.m[mode] = w
	}
	if log != nil {
		c := *w
		c.log = log
		return &c
	}
	return w
}

// echo answers 200 with the body it read, so tests see that the body reached the handler whole.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
})

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	httpx.Middleware(h, httpx.Options{MaxBodyBytes: 1 << 20}).ServeHTTP(rec, req)
	return rec
}

func TestBlockedRequestGetsProblemWithIncidentLogged(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := testWAF(t, Block, log).Wrap(echo)
	req := httptest.NewRequest("GET", "/api/v1/search?q=1'+OR+'1'='1'--", nil)
	rec := serve(h, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != httpx.ContentTypeProblem {
		t.Errorf("Content-Type %q", ct)
	}
	var p httpx.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	incident := rec.Header().Get("Pasar-Incident")
	if incident == "" || !strings.Contains(p.Detail, incident) || p.Code != "waf_blocked" || p.RequestID == "" {
		t.Errorf("problem %+v, incident %q", p, incident)
	}
	var line struct {
		Msg       string `json:"msg"`
		Incident  string `json:"incident"`
		Rules     []int  `json:"rules"`
		Score     int    `json:"anomaly_score"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if line.Incident != incident || line.RequestID != p.RequestID || len(line.Rules) == 0 || line.Score < 5 {
		t.Errorf("log line %+v, want incident %s request %s with rules and a score", line, incident, p.RequestID)
	}
}

func TestDetectModeLogsAndPasses(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := testWAF(t, Detect, slog.New(slog.NewJSONHandler(&logs, nil))).Wrap(echo)
	rec := serve(h, httptest.NewRequest("GET", "/api/v1/products?q=<script>alert(1)</script>", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 in detect mode", rec.Code)
	}
	if !strings.Contains(logs.String(), `"msg":"WAF detected"`) || !strings.Contains(logs.String(), `"incident"`) {
		t.Errorf("log %q lacks the detection", logs.String())
	}
}

func TestOffModePassesEverything(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Off, nil).Wrap(echo)
	if rec := serve(h, httptest.NewRequest("GET", "/?q=<script>alert(1)</script>", nil)); rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 with the WAF off", rec.Code)
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		wantErr bool
	}{{"off", false}, {"detect", false}, {"block", false}, {"", true}, {"Block", true}, {"on", true}} {
		if _, err := ParseMode(tc.in); (err != nil) != tc.wantErr {
			t.Errorf("ParseMode(%q) err = %v", tc.in, err)
		}
	}
}

func TestBodyPassesThroughWhole(t *testing.T) {
	t.Parallel()
	body := `{"name":"Linen shirt","description":"` + strings.Repeat("soft and light ", 5000) + `"}`
	req := httptest.NewRequest("POST", "/api/v1/admin/products", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := serve(testWAF(t, Block, nil).Wrap(echo), req)
	if rec.Code != http.StatusOK || rec.Body.String() != body {
		t.Fatalf("status %d, body of %d bytes, want the %d sent", rec.Code, rec.Body.Len(), len(body))
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	t.Parallel()
	body := `{"q":"` + strings.Repeat("a", 2<<20) + `"}`
	req := httptest.NewRequest("POST", "/api/v1/checkout", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if rec := serve(testWAF(t, Block, nil).Wrap(echo), req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", rec.Code, rec.Body)
	}
}

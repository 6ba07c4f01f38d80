package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/events"
)

// buildPasar compiles the binary once per test binary run.
func buildPasar(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pasar")
	cmd := exec.Command("go", "build", "-race", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeProcess runs `pasar serve` as a real process: it must become ready, serve metrics and
// exit 0 on SIGTERM.
func TestServeProcess(t *testing.T) {
	t.Parallel()
	bin := buildPasar(t)
	addr := freeAddr(t)
	data := t.TempDir()
	var out bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--demo")
	cmd.Env = append(os.Environ(), "PASAR_LOG_LEVEL=debug", "PASAR_POSTGRES_URL=", "PASAR_NATS_URL=",
		"PASAR_DRAIN_DELAY=2s")
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("pasar output:\n%s", out.String())
		}
	})

	base := "http://" + addr
	waitReady(t, base, exited)
	t.Logf("ready %v after start", time.Since(start).Round(time.Millisecond))

	body := get(t, base+"/metrics", http.StatusOK)
	for _, want := range []string{"go_goroutines", "http_requests_total", `route="/readyz"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if body := get(t, base+"/healthz", http.StatusOK); !strings.Contains(body, "alive") {
		t.Errorf("/healthz = %q", body)
	}
	res, err := http.Get(base + "/no/such/page")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown path: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: /readyz turns 503 at once while new connections are still served, so a load
	// balancer takes the process out before its listener closes.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	status := func(path string) int {
		res, err := fresh.Get(base + path)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	drainStart := time.Now()
	for status("/readyz") != http.StatusServiceUnavailable {
		if time.Since(drainStart) > time.Second {
			t.Fatal("/readyz not 503 within 1s of SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz on a new connection while draining: %d, want 200", got)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30s after SIGTERM")
	}
	if !strings.Contains(out.String(), `"msg":"stopped"`) {
		t.Errorf("no clean-stop log line")
	}

	// The data folder holds the embedded event store, and a second start on it works.
	if _, err := os.Stat(filepath.Join(data, "nats")); err != nil {
		t.Errorf("embedded NATS store: %v", err)
	}
}

func waitReady(t *testing.T, base string, exited <-chan error) {
	t.Helper()
	// Generous: a race-enabled build starting the demo shop on a loaded machine takes a while; each
	// probe has its own timeout so a server that accepts but does not answer yet cannot hang it.
	const within = 2 * time.Minute
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("pasar exited before ready: %v", err)
		default:
		}
		res, err := client.Get(base + "/readyz")
		if err == nil {
			var v struct{ Status string }
			json.NewDecoder(res.Body).Decode(&v)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && v.Status == "ready" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within %s", within)
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("GET %s = %d, want %d: %s", url, res.StatusCode, want, b)
	}
	return string(b)
}

func TestBadSettingStopsWithOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"flag", []string{"serve", "--addr", "nope"}, nil, "PASAR_ADDR (--addr)"},
		{"env", []string{"serve"}, map[string]string{"PASAR_SHUTDOWN_TIMEOUT": "forever"}, "PASAR_SHUTDOWN_TIMEOUT"},
		{"unknown flag", []string{"serve", "--colour", "red"}, nil, "flag provided but not defined"},
		{"unknown command", []string{"sell"}, nil, `unknown command "sell"`},
		{"gateway without upstreams", []string{"gateway"}, nil, "no upstreams"},
		{"gateway bad replica", []string{"gateway"}, map[string]string{"PASAR_CATALOG_URL": "catalog:8080"}, "want a URL"},
		{"gateway balance", []string{"gateway", "--gateway-balance", "random"}, nil, "PASAR_GATEWAY_BALANCE"},
		{"gateway routes file", []string{"gateway", "--gateway-routes", "/nonexistent/routes"}, nil, "/nonexistent/routes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tc.args, func(k string) string { return tc.env[k] }, &stdout, &stderr)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr %q does not name %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestHelpListsEveryEnvTwin(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "--help"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--addr", "PASAR_ADDR", "--data", "PASAR_DATA", "--demo", "PASAR_POSTGRES_URL", "PASAR_NATS_URL"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %s", want)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	if code := run([]string{"version"}, func(string) string { return "" }, &stdout, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "pasar ") {
		t.Fatalf("version = %q", stdout.String())
	}
}

func TestTakenPortFails(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"serve", "--addr", l.Addr().String(), "--data", t.TempDir()},
			func(string) string { return "" }, io.Discard, &stderr)
	}()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(stderr.String(), "address already in use") {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal(errors.New("serve kept running on a taken port"))
	}
}

func TestEventsParkedOnEmptyShop(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run([]string{"events", "parked", "--data", t.TempDir()}, func(string) string { return "" }, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "no parked events") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

func TestEventsDeleteStream(t *testing.T) {
	t.Parallel()
	url := os.Getenv("PASAR_TEST_NATS_URL")
	if url == "" {
		t.Skip("set PASAR_TEST_NATS_URL to run against a real NATS server")
	}
	stream := "PASAR_DELETE_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	ctx := context.Background()
	bus, err := events.Connect(ctx, events.BusOptions{URL: url, Stream: stream, SubjectPrefix: strings.ToLower(stream)})
	if err != nil {
		t.Fatal(err)
	}
	bus.Close()
	t.Cleanup(func() { _, _ = events.DeleteStream(ctx, url, stream) })
	env := func(k string) string {
		return map[string]string{"PASAR_NATS_URL": url, "PASAR_NATS_STREAM": stream}[k]
	}
	deleteStream := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"events", "delete-stream"}, args...), env, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := deleteStream(); code != 2 || !strings.Contains(out, "--force") {
		t.Fatalf("without --force: exit %d, %q", code, out)
	}
	if existed, err := events.DeleteStream(ctx, url, "PASAR_NO_SUCH_STREAM"); existed || err != nil {
		t.Fatalf("unknown stream: %v %v", existed, err)
	}
	if code, out := deleteStream("--force"); code != 0 || !strings.Contains(out, "deleted stream "+stream) {
		t.Fatalf("with --force: exit %d, %q", code, out)
	}
	if code, out := deleteStream("--force"); code != 0 || !strings.Contains(out, "no stream "+stream) {
		t.Fatalf("again: exit %d, %q", code, out)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"events", "delete-stream", "--force"}, func(string) string { return "" }, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "PASAR_NATS_URL") {
		t.Fatalf("embedded: exit %d, %q", code, stderr.String())
	}
}

// Package deploytest runs what the deploy/ configurations are for, for their tests: Debian's
// binaries (varnishd, haproxy, keepalived) as child processes, and real Pasar processes.
package deploytest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary finds a program from a Debian package. Without it the test is skipped with the command
// that installs it, except under CI=true, where .ci/run installs it and its absence is a failure.
func Binary(t testing.TB, name, debianPackage string) string {
	t.Helper()
	for _, p := range []string{name, "/usr/sbin/" + name, "/sbin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s not found: apt-get install -y %s", name, debianPackage)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Process is a child process whose output is kept for the test log.
type Process struct {
	Cmd *exec.Cmd
	out *SyncBuffer
}

// Output is what the process wrote so far, standard output and error together.
func (p *Process) Output() string { return p.out.String() }

// Stop ends the process with SIGTERM (SIGKILL after 10 s) and waits for it.
func (p *Process) Stop() {
	if p.Cmd.ProcessState != nil {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-done
	}
}

// Start runs a program in the foreground of the test (never daemonised), stops it when the test
// ends, and logs its output if the test failed.
func Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &Process{Cmd: cmd, out: out}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), out.String())
		}
	})
	return p
}

// WaitHTTP waits until url answers with want, failing the test after timeout.
func WaitHTTP(t testing.TB, url string, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				cancel()
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		cancel()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within %s (last: %s)", url, want, timeout, last)
}

var pasarBinary struct {
	once sync.Once
	path string
	err  error
}

// RemoveBuilt deletes the pasar binary Pasar built, if any; call it from TestMain after the
// tests ran.
func RemoveBuilt() {
	if pasarBinary.path != "" {
		_ = os.RemoveAll(filepath.Dir(pasarBinary.path))
	}
}

// Pasar builds the pasar command once per test binary and returns its path (see RemoveBuilt).
func Pasar(t testing.TB) string {
	t.Helper()
	pasarBinary.once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "pasar-deploytest-")
		if err != nil {
			pasarBinary.err = err
			return
		}
		pasarBinary.path = filepath.Join(dir, "pasar")
		cmd := exec.Command("go", "build", "-o", pasarBinary.path, "./cmd/pasar")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			pasarBinary.err = fmt.Errorf("go build ./cmd/pasar: %v\n%s", err, out)
		}
	})
	if pasarBinary.err != nil {
		t.Fatal(pasarBinary.err)
	}
	return pasarBinary.path
}

// SyncBuffer is a bytes.Buffer safe for a child process's writes and a test's reads at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Bytes is a copy of what was written so far.
func (s *SyncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// Eventually polls ok every 100 ms until it returns true, failing the test when within has
// passed first.
func Eventually(t testing.TB, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package haproxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

// TestHAProxyFailoverLosesNoRequest runs Debian's haproxy with haproxy.cfg (TLS, health checks on
// /readyz, round robin, retries) in front of two real `pasar serve` processes, and under steady
// read traffic stops one gracefully, brings it back, then kills the other outright: not one
// request may fail.
func TestHAProxyFailoverLosesNoRequest(t *testing.T) {
	haproxy := deploytest.Binary(t, "haproxy", "haproxy")
	pasar := deploytest.Pasar(t)
	dir := t.TempDir()

	ports := []int{deploytest.FreePort(t), deploytest.FreePort(t)}
	procs := make([]*deploytest.Process, 2)
	start := func(i int) {
		procs[i] = deploytest.Start(t, []string{"PASAR_RATE_LIMIT_CLIENT=0", "PASAR_TRUST_PROXY=true", "PASAR_LOG_LEVEL=warn"},
			pasar, "serve", "--demo", "--addr", "127.0.0.1:"+strconv.Itoa(ports[i]), "--data", filepath.Join(dir, "pasar"+strconv.Itoa(i+1)))
	}
	for i := range procs {
		start(i)
	}
	for _, p := range ports {
		deploytest.WaitHTTP(t, "http://127.0.0.1:"+strconv.Itoa(p)+"/readyz", http.StatusOK, 60*time.Second)
	}

	// The shipped configuration with this machine's addresses, certificate and socket.
	cfg, err := os.ReadFile("haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	plainPort, tlsPort := deploytest.FreePort(t), deploytest.FreePort(t)
	certPEM, pool := selfSigned(t)
	if err := os.WriteFile(filepath.Join(dir, "pasar.pem"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "admin.sock")
	cfg = replace(t, cfg, `(?m)^    bind :80$`, "    bind 127.0.0.1:"+strconv.Itoa(plainPort))
	cfg = replace(t, cfg, `(?m)^    bind :443 `, "    bind 127.0.0.1:"+strconv.Itoa(tlsPort)+" ")
	cfg = replace(t, cfg, `/etc/haproxy/certs/pasar\.pem`, filepath.Join(dir, "pasar.pem"))
	cfg = replace(t, cfg, `/run/haproxy/admin\.sock`, sock)
	cfg = replace(t, cfg, `(?m)^(    server pasar1 )\S+`, "${1}127.0.0.1:"+strconv.Itoa(ports[0]))
	cfg = replace(t, cfg, `(?m)^(    server pasar2 )\S+`, "${1}127.0.0.1:"+strconv.Itoa(ports[1]))
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	deploytest.Start(t, nil, haproxy, "-db", "-f", cfgPath)

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, MaxIdleConnsPerHost: 16}}
	base := "https://127.0.0.1:" + strconv.Itoa(tlsPort)
	waitServers(t, sock, "UP", "UP")
	// Plain HTTP is redirected to HTTPS.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.Get("http://127.0.0.1:" + strconv.Itoa(plainPort) + "/api/v1/categories"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusPermanentRedirect || !strings.HasPrefix(resp.Header.Get("Location"), "https://") {
		t.Errorf("plain HTTP: %d Location %q, want 308 to https", resp.StatusCode, resp.Header.Get("Location"))
	}

	traffic := startTraffic(t, client, base, []string{"/api/v1/products?limit=5", "/api/v1/categories", "/healthz"})
	step := func(what string, do func()) {
		time.Sleep(1500 * time.Millisecond)
		t.Logf("%s after %d requests", what, traffic.ok.Load())
		do()
	}
	step("stopping pasar1 (SIGTERM)", func() { procs[0].Stop() })
	waitServers(t, sock, "DOWN", "UP")
	step("starting pasar1 again", func() { start(0) })
	waitServers(t, sock, "UP", "UP")
	step("killing pasar2 (SIGKILL)", func() { _ = procs[1].Cmd.Process.Signal(syscall.SIGKILL) })
	waitServers(t, sock, "UP", "DOWN")
	time.Sleep(time.Second)
	traffic.stop()

	if n := traffic.ok.Load(); n < 100 {
		t.Errorf("only %d requests made; the traffic was not steady", n)
	}
	if f := traffic.failures(); len(f) > 0 {
		t.Errorf("%d of %d requests failed, want none; first: %v", len(f), int(traffic.ok.Load())+len(f), f[:min(len(f), 5)])
	}
	// Round robin: both processes served a share before anything was stopped.
	for name, served := range stat(t, sock) {
		if served.total < 20 {
			t.Errorf("%s served %d requests, want a share of the round robin", name, served.total)
		}
	}
}

type traffic struct {
	ok   atomic.Int64
	mu   sync.Mutex
	errs []string
	done chan struct{}
	wg   sync.WaitGroup
}

func (tr *traffic) failures() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.errs
}

func (tr *traffic) stop() {
	close(tr.done)
	tr.wg.Wait()
}

// startTraffic sends GETs of paths from 4 clients, one after the other, until stopped.
func startTraffic(t *testing.T, client *http.Client, base string, paths []string) *traffic {
	tr := &traffic{done: make(chan struct{})}
	for w := range 4 {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			for i := w; ; i++ {
				select {
				case <-tr.done:
					return
				default:
				}
				path := paths[i%len(paths)]
				resp, err := client.Get(base + path)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					tr.mu.Lock()
					tr.errs = append(tr.errs, fmt.Sprintf("%s %s: %v", time.Now().Format("15:04:05.000"), path, err))
					tr.mu.Unlock()
					continue
				}
				tr.ok.Add(1)
			}
		}()
	}
	t.Cleanup(func() {
		select {
		case <-tr.done:
		default:
			tr.stop()
		}
	})
	return tr
}

type serverStat struct {
	status string
	total  int
}

// stat reads the pasar backend's servers from HAProxy's runtime socket (show stat).
func stat(t *testing.T, sock string) map[string]serverStat {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("HAProxy socket: %v", err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "show stat\n"); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "# ")))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("show stat: %v: %q", err, b)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	out := map[string]serverStat{}
	for _, row := range rows[1:] {
		if len(row) > col["stot"] && row[col["pxname"]] == "pasar" && strings.HasPrefix(row[col["svname"]], "pasar") {
			n, _ := strconv.Atoi(row[col["stot"]])
			out[row[col["svname"]]] = serverStat{status: row[col["status"]], total: n}
		}
	}
	return out
}

// waitServers waits until HAProxy reports pasar1 and pasar2 in the given states.
func waitServers(t *testing.T, sock, want1, want2 string) {
	t.Helper()
	var s map[string]serverStat
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(sock); err != nil {
			continue
		}
		s = stat(t, sock)
		if strings.HasPrefix(s["pasar1"].status, want1) && strings.HasPrefix(s["pasar2"].status, want2) {
			return
		}
	}
	t.Fatalf("HAProxy servers %+v, want pasar1 %s and pasar2 %s", s, want1, want2)
}

func replace(t *testing.T, cfg []byte, pattern, with string) []byte {
	t.Helper()
	re := regexp.MustCompile(pattern)
	if !re.Match(cfg) {
		t.Fatalf("haproxy.cfg has no %q: the test no longer matches the file", pattern)
	}
	return re.ReplaceAll(cfg, []byte(with))
}

// selfSigned makes a certificate and key for localhost in one PEM file, as HAProxy's crt wants,
// and a pool that trusts it.
func selfSigned(t *testing.T) ([]byte, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...), pool
}

package haproxy

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

const vip = "10.213.0.100"

// TestKeepalivedMovesFloatingAddress builds two HAProxy nodes in network namespaces (each with its
// own PID namespace, so each keepalived sees only its own HAProxy) on a bridge shared with a
// client namespace, runs keepalived with keepalived.conf on both, and checks that the floating
// address answers from lb1, then, once lb1's HAProxy is killed, from lb2.
//
// It needs root and network namespaces: without them it is skipped, saying why; with
// PASAR_TEST_NETNS=1 (set by .ci/run where `ip netns add` works) their absence is a failure.
func TestKeepalivedMovesFloatingAddress(t *testing.T) {
	keepalived := deploytest.Binary(t, "keepalived", "keepalived")
	haproxy := deploytest.Binary(t, "haproxy", "haproxy")
	ip := deploytest.Binary(t, "ip", "iproute2")
	unshare := deploytest.Binary(t, "unshare", "util-linux")

	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	client, lb1, lb2 := "pasar-c-"+hex.EncodeToString(suffix), "pasar-lb1-"+hex.EncodeToString(suffix), "pasar-lb2-"+hex.EncodeToString(suffix)
	if out, err := exec.Command(ip, "netns", "add", client).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("network namespaces unavailable (ip netns add: %v: %s); run as root where namespaces are allowed", err, strings.TrimSpace(string(out)))
		if os.Getenv("PASAR_TEST_NETNS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Registered first, so it runs last: after every process in them has stopped.
	t.Cleanup(func() {
		for _, ns := range []string{client, lb1, lb2} {
			_ = exec.Command(ip, "netns", "del", ns).Run()
		}
	})
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, ns := range []string{lb1, lb2} {
		sh("netns", "add", ns)
	}
	sh("-n", client, "link", "add", "br0", "type", "bridge")
	sh("-n", client, "addr", "add", "10.213.0.3/24", "dev", "br0")
	sh("-n", client, "link", "set", "br0", "up")
	for i, ns := range []string{lb1, lb2} {
		port := "p" + strconv.Itoa(i+1)
		sh("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port, "netns", client)
		sh("-n", client, "link", "set", port, "master", "br0")
		sh("-n", client, "link", "set", port, "up")
		sh("-n", ns, "addr", "add", "10.213.0."+strconv.Itoa(i+1)+"/24", "dev", "eth0")
		sh("-n", ns, "link", "set", "eth0", "up")
		sh("-n", ns, "link", "set", "lo", "up")
	}

	// The shipped keepalived.conf with the test's address; eth0 is the nodes' interface here too.
	conf, err := os.ReadFile("keepalived.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf = replace(t, conf, `203\.0\.113\.10/24`, vip+"/24")
	dir := t.TempDir()
	confPath := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, node := range []struct{ ns, id string }{{lb1, "lb1"}, {lb2, "lb2"}} {
		// A stand-in HAProxy that says which node answered.
		hcfg := filepath.Join(dir, node.id+"-haproxy.cfg")
		if err := os.WriteFile(hcfg, []byte("defaults\n  mode http\n  timeout client 5s\n  timeout connect 5s\n  timeout server 5s\n"+
			"frontend shop\n  bind :80\n  http-request return status 200 content-type text/plain string "+node.id+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		pid := func(name string) string { return filepath.Join(dir, node.id+"-"+name+".pid") }
		deploytest.Start(t, nil, ip, "netns", "exec", node.ns, unshare, "--pid", "--fork", "--mount-proc", "--kill-child",
			"sh", "-c", fmt.Sprintf("%s -db -f %s & exec %s -n -l -D -f %s -i %s -p %s -r %s -c %s",
				haproxy, hcfg, keepalived, confPath, node.id, pid("keepalived"), pid("vrrp"), pid("checkers")))
	}

	holder := func() string {
		var on []string
		for _, ns := range []string{lb1, lb2} {
			out, _ := exec.Command(ip, "-n", ns, "-4", "addr", "show", "dev", "eth0").Output()
			if strings.Contains(string(out), " "+vip+"/") {
				on = append(on, ns)
			}
		}
		return strings.Join(on, ",")
	}
	// answer asks the floating address from the client namespace which node it is.
	answer := func() string {
		out, _ := exec.Command(ip, "netns", "exec", client, "bash", "-c",
			`exec 3<>/dev/tcp/`+vip+`/80 && printf 'GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n' >&3 && timeout 2 cat <&3`).Output()
		body := string(out)
		if i := strings.Index(body, "\r\n\r\n"); i >= 0 {
			return strings.TrimSpace(body[i+4:])
		}
		return ""
	}
	waitFor := func(wantHolder, wantAnswer string) time.Duration {
		t.Helper()
		start := time.Now()
		var h, a string
		for time.Since(start) < 30*time.Second {
			if h, a = holder(), answer(); h == wantHolder && a == wantAnswer {
				return time.Since(start)
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("floating address on %q answering %q, want on %s answering %s", h, a, wantHolder, wantAnswer)
		return 0
	}
	waitFor(lb1, "lb1")

	// lb1's HAProxy dies: keepalived there drops the address and lb2 takes it over.
	haproxyPID := findProcess(t, "haproxy", filepath.Join(dir, "lb1-haproxy.cfg"))
	if err := syscall.Kill(haproxyPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := waitFor(lb2, "lb2")
	t.Logf("the floating address answered from lb2 %s after lb1's HAProxy was killed", took.Round(100*time.Millisecond))
}

// findProcess returns the process id of the program whose command line names arg (one this test
// started; its PID namespace hides it from the other node's keepalived, not from the host).
func findProcess(t *testing.T, comm, arg string) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		c, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.TrimSpace(string(c)) == comm && strings.Contains(string(cmdline), arg) {
			return pid
		}
	}
	t.Fatalf("no %s process with %s", comm, arg)
	return 0
}

package notification

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestPrivateAddr(t *testing.T) {
	t.Parallel()
	blocked := map[string][]string{
		"loopback":       {"127.0.0.1", "127.8.9.10", "::1"},
		"private":        {"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.0.1"},
		"unique local":   {"fc00::1", "fd12:3456:789a::1"},
		"link-local":     {"169.254.169.254", "169.254.0.1", "fe80::1"},
		"multicast":      {"224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1"},
		"unspecified":    {"0.0.0.0", "::"},
		"this network":   {"0.1.2.3"},
		"shared (CGNAT)": {"100.64.0.1", "100.127.255.254"},
		"broadcast":      {"255.255.255.255"},
		"IPv4 in IPv6":   {"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"},
	}
	for class, ips := range blocked {
		for _, s := range ips {
			if !privateAddr(netip.MustParseAddr(s)) {
				t.Errorf("%s %s allowed", class, s)
			}
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.169.0.1",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e"} {
		if privateAddr(netip.MustParseAddr(s)) {
			t.Errorf("public %s refused", s)
		}
	}
}

// The check runs on the address dialled, after name resolution: a name that resolves to
// loopback (as a rebinding DNS answer would) is refused like the literal address.
func TestWebhookClientRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c := NewWebhookClient(false)
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port} {
		resp, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: sent (%d)", u, resp.StatusCode)
			continue
		}
		if !errors.Is(err, ErrPrivateTarget) {
			t.Errorf("%s: %v, want ErrPrivateTarget", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the internal server was reached %d times", n)
	}
	resp, err := NewWebhookClient(true).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("private targets allowed: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatal("allowed private target not reached")
	}
}

// A redirect is the receiver's answer, never followed: following it would carry the signed
// event (and the check) somewhere else.
func TestWebhookClientFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	t.Cleanup(target.Close)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	resp, err := NewWebhookClient(true).Post(redirect.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || reached.Load() != 0 {
		t.Fatalf("status %d, target reached %d times", resp.StatusCode, reached.Load())
	}
}

// An endpoint that points inside (registered before the check, or a name that resolves there)
// gets failed attempts that say why, and the internal server never sees a request.
func TestWebhookDeliveryRefusedAtDial(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
		t.Cleanup(srv.Close)
		o := fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}, MaxAttempts: 2})
		o.AllowPrivateTargets = false
		s := newService(t, d, o)
		if _, err := s.CreateEndpoint(admin(), EndpointRequest{URL: srv.URL, EventTypes: []string{"*"}}); err == nil {
			t.Fatal("loopback endpoint registered")
		}
		ep, err := s.CreateEndpoint(admin(), EndpointRequest{URL: "https://hooks.example.test/h", EventTypes: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		// A name that resolves to loopback, as DNS rebinding would make the registered one do.
		port := srv.URL[strings.LastIndex(srv.URL, ":"):]
		if _, err := d.ExecContext(context.Background(), `UPDATE notification_endpoints SET url = $1 WHERE id = $2`,
			"http://localhost"+port+"/h", ep.ID); err != nil {
			t.Fatal(err)
		}
		if err := handle(t, d, s.HandleWebhook, event(t, "order.paid", orderEvent(order.Paid, order.Placed, true))); err != nil {
			t.Fatal(err)
		}
		runWorker(t, s)
		var ds []Delivery
		waitFor(t, "the delivery to fail", func() bool {
			ds, err = s.Deliveries(admin(), ep.ID, 10)
			return err == nil && len(ds) == 1 && ds[0].Status == "failed"
		})
		if len(ds[0].Log) != 2 || !strings.Contains(ds[0].Log[0].Error, "PASAR_WEBHOOK_ALLOW_PRIVATE") || ds[0].Log[0].StatusCode != 0 {
			t.Errorf("attempts %+v", ds[0].Log)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the internal server was reached %d times", n)
		}
	})
}

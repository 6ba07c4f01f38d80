package notification

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// receiver is a merchant endpoint that checks each delivery's Standard Webhooks signature on
// its own (not with Sign) and fails the first failures deliveries with 500.
type receiver struct {
	*httptest.Server
	secret   string
	mu       sync.Mutex
	failures int
	calls    int
	ok       []receivedHook
	badSigs  int
}

type receivedHook struct {
	id   string
	body payload
}

func newReceiver(t *testing.T, secret string, failures int) *receiver {
	r := &receiver{secret: secret, failures: failures}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	sec, _ := strconv.ParseInt(ts, 10, 64)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if !hmac.Equal([]byte(req.Header.Get("webhook-signature")), []byte(want)) || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		r.badSigs++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.failures > 0 {
		r.failures--
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	var p payload
	json.Unmarshal(body, &p)
	r.ok = append(r.ok, receivedHook{id: id, body: p})
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) delivered() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedHook(nil), r.ok...)
}

// runWorker runs s's webhook worker until the test ends.
func runWorker(t *testing.T, s *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.RunWorker(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func fastRetries(o Options) Options {
	o.AllowPrivateTargets = true // the receivers are httptest servers on loopback
	o.Backoff = func(int) time.Duration { return 20 * time.Millisecond }
	o.Poll = 10 * time.Millisecond
	return o
}

func TestWebhookSignedRetriedLogged(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d, fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}}))
		secret := NewSecret()
		rc := newReceiver(t, secret, 2)
		ep, err := s.CreateEndpoint(admin(), EndpointRequest{URL: rc.URL + "/hooks", EventTypes: []string{"order.shipped"}, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateEndpoint(admin(), EndpointRequest{URL: rc.URL + "/other", EventTypes: []string{"stock.changed"}})
		if err != nil {
			t.Fatal(err)
		}
		runWorker(t, s)
		ev := event(t, "order.shipped", orderEvent(order.Shipped, order.Paid, true))
		for range 2 { // redelivered: still one delivery
			if err := handle(t, d, s.HandleWebhook, ev); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the delivery", func() bool {
			ds, _ := s.Deliveries(admin(), ep.ID, 0)
			return len(ds) == 1 && ds[0].Status == "delivered"
		})
		got := rc.delivered()[0]
		if got.body.Type != "order.shipped" || got.body.EventID != ev.ID || !strings.HasPrefix(got.id, "msg_") {
			t.Errorf("delivered %+v", got)
		}
		var data order.OrderEvent
		if err := json.Unmarshal(got.body.Data, &data); err != nil || data.Tracking != "TRK-1" {
			t.Errorf("data %s: %v", got.body.Data, err)
		}
		ds, err := s.Deliveries(admin(), ep.ID, 0)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %+v %v", ds, err)
		}
		dl := ds[0]
		if dl.Status != "delivered" || dl.Attempts != 3 || len(dl.Log) != 3 || dl.ID != got.id {
			t.Fatalf("delivery %+v", dl)
		}
		for i, want := range []int{500, 500, 204} {
			if dl.Log[i].StatusCode != want || (want == 500) != (dl.Log[i].Error != "") {
				t.Errorf("attempt %d: %+v", i+1, dl.Log[i])
			}
		}
		if ds, _ := s.Deliveries(admin(), other.ID, 0); len(ds) != 0 {
			t.Errorf("endpoint for stock.changed got %d deliveries", len(ds))
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.badSigs != 0 || rc.calls != 3 {
			t.Errorf("%d calls, %d bad signatures", rc.calls, rc.badSigs)
		}
	})
}

func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		o := fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}})
		o.MaxAttempts = 3
		s := newService(t, d, o)
		rc := newReceiver(t, NewSecret(), 100)
		ep, err := s.CreateEndpoint(admin(), EndpointRequest{URL: rc.URL, EventTypes: []string{"*"}, Secret: rc.secret})
		if err != nil {
			t.Fatal(err)
		}
		// A receiver that answers nothing at all.
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		down, err := s.CreateEndpoint(admin(), EndpointRequest{URL: gone.URL, EventTypes: []string{"order.paid"}})
		if err != nil {
			t.Fatal(err)
		}
		runWorker(t, s)
		if err := handle(t, d, s.HandleWebhook, event(t, "order.paid", orderEvent(order.Paid, order.Placed, true))); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{ep.ID, down.ID} {
			waitFor(t, "giving up", func() bool {
				ds, _ := s.Deliveries(admin(), id, 0)
				return len(ds) == 1 && ds[0].Status == "failed"
			})
			ds, _ := s.Deliveries(admin(), id, 0)
			if ds[0].Attempts != 3 || len(ds[0].Log) != 3 || ds[0].LastError == "" {
				t.Errorf("failed delivery %+v", ds[0])
			}
		}
		ds, _ := s.Deliveries(admin(), down.ID, 0)
		if ds[0].Log[0].StatusCode != 0 || !strings.Contains(ds[0].Log[0].Error, "connect") {
			t.Errorf("unreachable endpoint attempt %+v", ds[0].Log[0])
		}
	})
}

func TestWebhookDeliveriesSurviveRestart(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		rc := newReceiver(t, NewSecret(), 0)
		first := newService(t, d, fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}}))
		if _, err := first.CreateEndpoint(admin(), EndpointRequest{URL: rc.URL, EventTypes: []string{"order.refunded"}, Secret: rc.secret}); err != nil {
			t.Fatal(err)
		}
		// Queued while no worker runs, as when the process stops right after handling the event.
		for range 3 {
			if err := handle(t, d, first.HandleWebhook, event(t, "order.refunded", orderEvent(order.Refunded, order.Paid, true))); err != nil {
				t.Fatal(err)
			}
		}
		// A delivery claimed by a worker that died mid-send is taken again once its lease ends.
		if _, err := d.ExecContext(context.Background(), `UPDATE notification_deliveries SET next_at = $1
			WHERE id = (SELECT MIN(id) FROM notification_deliveries)`, ms(time.Now().Add(-time.Second))); err != nil {
			t.Fatal(err)
		}
		second := newService(t, d, fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}}))
		runWorker(t, second)
		waitFor(t, "deliveries after the restart", func() bool { return len(rc.delivered()) == 3 })
	})
}

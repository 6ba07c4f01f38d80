package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// distributedConfig returns settings on a PostgreSQL database of the test's own (dropped at the
// end) and the external NATS server, or skips naming the variables when they are unset.
func distributedConfig(t *testing.T) config.Config {
	t.Helper()
	pgURL, natsURL := os.Getenv("PASAR_TEST_POSTGRES_URL"), os.Getenv("PASAR_TEST_NATS_URL")
	if pgURL == "" || natsURL == "" {
		t.Skip("set PASAR_TEST_POSTGRES_URL and PASAR_TEST_NATS_URL to run against real PostgreSQL and NATS")
	}
	name := "pasar_app_" + randomHex(t, 6)
	conn, err := pgx.Connect(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	cfg := config.Default()
	cfg.PostgresURL, cfg.NATSURL, cfg.WAF = u.String(), natsURL, "off"
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory = 64
	return cfg
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// replica starts an App on cfg with its own data folder, address and replica id, on the test's
// own event stream, and serves it over real HTTP.
func replica(t *testing.T, cfg config.Config, id, stream string) *httptest.Server {
	t.Helper()
	cfg.DataDir, cfg.ReplicaID = t.TempDir(), id
	srv := httptest.NewUnstartedServer(nil)
	cfg.Addr = srv.Listener.Addr().String()
	cfg.NATSStream, cfg.NATSPrefix = stream, strings.ToLower(stream)
	a, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return srv
}

// TestReplicasOnSharedStores runs two replicas of the shop on one PostgreSQL database and one
// NATS server, as the distributed shape does: each search replica indexes every product through
// a durable consumer of its own, and a write through one replica reaches the other's catalog
// cache through the catalog's events.
func TestReplicasOnSharedStores(t *testing.T) {
	t.Parallel()
	cfg := distributedConfig(t)
	stream := "T" + strings.ToUpper(randomHex(t, 4))
	t.Cleanup(func() { deleteStream(t, cfg.NATSURL, stream) }) // with the replicas' consumers on it
	if _, err := CreateUser(t.Context(), cfg, slog.New(slog.DiscardHandler), "boss@example.test", "a long admin passphrase", auth.Admin); err != nil {
		t.Fatal(err)
	}
	one := replica(t, cfg, "one", stream)
	two := replica(t, cfg, "two", stream)

	var login struct {
		AccessToken string `json:"access_token"`
	}
	if code := send(t, "POST", one.URL+"/api/v1/auth/login", "", `{"email":"boss@example.test","password":"a long admin passphrase"}`, &login); code != 200 {
		t.Fatalf("login %d", code)
	}
	admin := login.AccessToken
	var p struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	body := `{"title":"Replica Kettle","slug":"replica-kettle","status":"active","variants":[{"sku":"KETTLE-1","price":{"amount":3000,"currency":"USD"}}]}`
	if code := send(t, "POST", one.URL+"/api/v1/admin/products", admin, body, &p); code != 201 {
		t.Fatalf("create %d", code)
	}
	for _, r := range []*httptest.Server{one, two} {
		waitFor(t, "both search replicas index the product", func() bool {
			var res struct{ Total int }
			return send(t, "GET", r.URL+"/api/v1/search?q=kettle", "", "", &res) == 200 && res.Total == 1
		})
	}
	// Replica two caches the product, then replica one changes it: two's cache must drop it.
	var got struct{ Title string }
	if code := send(t, "GET", two.URL+"/api/v1/products/replica-kettle", "", "", &got); code != 200 || got.Title != "Replica Kettle" {
		t.Fatalf("read through two: %d %+v", code, got)
	}
	upd := strings.Replace(body, "Replica Kettle", "Renamed Kettle", 1)
	if code := send(t, "PUT", one.URL+"/api/v1/admin/products/"+p.ID, admin, upd, nil, "If-Match", "*"); code != 200 {
		t.Fatalf("update %d", code)
	}
	waitFor(t, "replica two's catalog cache sees the write made through one", func() bool {
		return send(t, "GET", two.URL+"/api/v1/products/replica-kettle", "", "", &got) == 200 && got.Title == "Renamed Kettle"
	})
	for _, r := range []*httptest.Server{one, two} {
		waitFor(t, "both search replicas index the change", func() bool {
			var res struct {
				Hits []struct{ Title string }
			}
			return send(t, "GET", r.URL+"/api/v1/search?q=renamed", "", "", &res) == 200 && len(res.Hits) == 1
		})
	}
}

// send makes one request with an optional bearer token and JSON body, decoding a 2xx answer.
func send(t *testing.T, method, u, token, body string, out any, hdr ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
	}
	return res.StatusCode
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// deleteStream removes a test's stream from the shared NATS server (one the test never got to
// create is no error).
func deleteStream(t *testing.T, url, stream string) {
	if _, err := events.DeleteStream(context.Background(), url, stream); err != nil {
		t.Error(err)
	}
}

package app

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/web/webtest"
)

// serveApp starts an App on cfg behind srv (created unstarted, so its address was known first).
func serveApp(t *testing.T, cfg config.Config, srv *httptest.Server) {
	t.Helper()
	cfg.Addr = srv.Listener.Addr().String()
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
}

// TestPagesInTheirOwnProcess runs the storefront and admin pages as `serve --services=web`, on
// the clients of services that run in another process on shared PostgreSQL and NATS, and walks
// a guest, a customer, an admin and a staff member through them: the shopper's and the admin's
// sign-ins reach the services as their own access tokens, the pages' own calls as the web
// process's service token.
func TestPagesInTheirOwnProcess(t *testing.T) {
	t.Parallel()
	cfg := distributedConfig(t)
	cfg.NATSStream = "T" + strings.ToUpper(randomHex(t, 4))
	cfg.NATSPrefix = strings.ToLower(cfg.NATSStream)
	t.Cleanup(func() { deleteStream(t, cfg.NATSURL, cfg.NATSStream) })
	const adminPassword = "a long admin passphrase"
	if _, err := CreateUser(t.Context(), cfg, slog.New(slog.DiscardHandler), "boss@example.test", adminPassword, auth.Admin); err != nil {
		t.Fatal(err)
	}
	svcSrv, webSrv, web2Srv := httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil)
	webURL := "http://" + webSrv.Listener.Addr().String()

	svc := cfg
	svc.Services = "identity,catalog,search,inventory,cart,payment,order,notification"
	svc.DataDir, svc.ReplicaID, svc.PublicURL = t.TempDir(), "services", webURL
	serveApp(t, svc, svcSrv)

	var login struct {
		AccessToken string `json:"access_token"`
	}
	if code := send(t, "POST", svcSrv.URL+"/api/v1/auth/login", "", `{"email":"boss@example.test","password":"`+adminPassword+`"}`, &login); code != 200 {
		t.Fatalf("admin login: %d", code)
	}
	admin := login.AccessToken
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if code := send(t, "POST", svcSrv.URL+"/api/v1/admin/service-clients", admin,
		`{"name":"web","permissions":["orders:read","sessions:exchange"]}`, &client); code != 201 {
		t.Fatalf("service client: %d", code)
	}
	body := `{"title":"Split Teapot","slug":"split-teapot","status":"active","variants":[{"sku":"TEAPOT-1","price":{"amount":2500,"currency":"USD"}}]}`
	if code := send(t, "POST", svcSrv.URL+"/api/v1/admin/products", admin, body, nil); code != 201 {
		t.Fatalf("product: %d", code)
	}
	if code := send(t, "PUT", svcSrv.URL+"/api/v1/admin/inventory/TEAPOT-1", admin, `{"on_hand":10,"reason":"delivery"}`, nil); code != 200 {
		t.Fatalf("stock: %d", code)
	}

	web := cfg
	web.Services, web.DataDir, web.ReplicaID = "web", t.TempDir(), "web"
	for _, s := range calls["web"] {
		setServiceURL(&web, s, svcSrv.URL)
	}
	web.ServiceClientID, web.ServiceClientSecret = client.ID, client.Secret
	web.UploadsDir = t.TempDir() // shared by both web replicas, as DISTRIBUTED.md asks
	serveApp(t, web, webSrv)
	web.DataDir, web.ReplicaID = t.TempDir(), "web-2"
	serveApp(t, web, web2Srv)

	webtest.Journey{Base: webSrv.URL, Slug: "split-teapot", SKU: "TEAPOT-1", Word: "teapot",
		AdminEmail: "boss@example.test", AdminPassword: adminPassword,
		ResetLink: func(email string) string { return webtest.ResetLink(filepath.Join(svc.DataDir, "mail"), email) },
	}.Run(t)

	// An image uploaded through one web replica is served by the other.
	b := webtest.NewBrowser(t, webSrv.URL)
	if p := b.AdminLogin("boss@example.test", adminPassword); p.Status != 303 {
		t.Fatalf("admin sign in: %d", p.Status)
	}
	var pic bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 40, 40, 255})
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	p := b.PostFile("/admin/products/new", "/admin/products", url.Values{"title": {"Uploaded Mug"}, "status": {"active"},
		"variants[0].sku": {"UPMUG-1"}, "variants[0].price.amount": {"12.00"}, "image_alt": {"a mug"}},
		"image_file", "mug.png", pic.Bytes())
	if p.Status != 303 {
		t.Fatalf("create with an image: %d %s", p.Status, webtest.Excerpt(p.Body))
	}
	m := regexp.MustCompile(`/uploads/[0-9a-f]{32}\.png`).FindString(b.Follow(p).Body)
	if m == "" {
		t.Fatal("the product editor shows no uploaded image")
	}
	other := webtest.NewBrowser(t, web2Srv.URL).Get(m)
	if other.Status != 200 || other.Body != pic.String() {
		t.Fatalf("%s from the other replica: %d, %d bytes", m, other.Status, len(other.Body))
	}
}

// setServiceURL sets PASAR_<SERVICE>_URL of service s.
func setServiceURL(c *config.Config, s, u string) {
	switch s {
	case "identity":
		c.IdentityURL = u
	case "catalog":
		c.CatalogURL = u
	case "search":
		c.SearchURL = u
	case "inventory":
		c.InventoryURL = u
	case "cart":
		c.CartURL = u
	case "order":
		c.OrderURL = u
	default:
		panic(fmt.Sprintf("no URL setting for %s", s))
	}
}

package web

import (
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/search"
)

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{0, "USD", "$0.00"}, {5, "USD", "$0.05"}, {123456789, "USD", "$1,234,567.89"}, {-250, "EUR", "−€2.50"},
		{1200, "JPY", "¥1,200"}, {999, "CHF", "9.99 CHF"},
	} {
		if got := money(c.amount, c.currency); got != c.want {
			t.Errorf("money(%d, %s) = %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
}

func TestImageURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ cdn, src, want string }{
		{"", "/images/placeholder/boots-1-0.svg", "/images/400/boots-1-0.svg"},
		{"https://cdn.example.com", "/images/placeholder/boots-1-0.svg", "https://cdn.example.com/images/400/boots-1-0.svg"},
		{"https://cdn.example.com", "/uploads/a.jpg", "https://cdn.example.com/uploads/a.jpg"},
		{"https://cdn.example.com", "https://img.example.net/a.jpg", "https://img.example.net/a.jpg"},
		{"https://cdn.example.com", "//evil.example/a.jpg", "//evil.example/a.jpg"},
	} {
		if got := imageURL(c.cdn, c.src, 400); got != c.want {
			t.Errorf("imageURL(%q, %q) = %q, want %q", c.cdn, c.src, got, c.want)
		}
	}
}

func TestCDNPolicyAllowsOnlyTheCDN(t *testing.T) {
	t.Parallel()
	if p := cdnPolicy(""); p != "" {
		t.Errorf("no CDN: policy %q, want the edge's own", p)
	}
	p := cdnPolicy("https://cdn.example.com/shop")
	for _, want := range []string{"style-src 'self' https://cdn.example.com;", "img-src 'self' data: https://cdn.example.com;", "script-src 'self';"} {
		if !strings.Contains(p, want) {
			t.Errorf("policy %q lacks %q", p, want)
		}
	}
}

func TestAssetsFingerprinted(t *testing.T) {
	t.Parallel()
	a := loadAssets()
	p := a.path("app.css")
	if !strings.HasPrefix(p, "/assets/app.") || !strings.HasSuffix(p, ".css") || len(p) != len("/assets/app.0123456789.css") {
		t.Fatalf("app.css served at %q, want /assets/app.<10 hex>.css", p)
	}
	if len(a.byName[strings.TrimPrefix(p, "/assets/")]) == 0 {
		t.Fatal("fingerprinted name serves nothing")
	}
}

func TestParsePriceBand(t *testing.T) {
	t.Parallel()
	lo, hi, ok := parsePriceBand("1000-5000")
	if !ok || *lo != 1000 || *hi != 4999 {
		t.Errorf("1000-5000: %v %v %v", lo, hi, ok)
	}
	if _, hi, ok := parsePriceBand("20000-"); !ok || hi != nil {
		t.Error("open top band")
	}
	for _, bad := range []string{"", "abc", "-", "x-1", "-1-2", "5-0"} {
		if _, _, ok := parsePriceBand(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLocalNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/cart": "/cart", "": "/account/", "//evil.example": "/account/",
		"https://evil.example": "/account/", "/\\evil.example": "/account/"} {
		if got := localNext(in); got != want {
			t.Errorf("localNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBandLabel(t *testing.T) {
	t.Parallel()
	lo, hi := int64(1000), int64(2500)
	for _, c := range []struct {
		fv   search.FacetValue
		want string
	}{
		{search.FacetValue{Value: "1000-2500", Min: &lo, Max: &hi}, "$10.00 – $25.00"},
		{search.FacetValue{Value: "2500-", Min: &hi}, "$25.00 and up"},
		{search.FacetValue{Value: "-1000", Max: &lo}, "under $10.00"},
	} {
		if got := bandLabel(c.fv, "USD"); got != c.want {
			t.Errorf("bandLabel(%s) = %q, want %q", c.fv.Value, got, c.want)
		}
	}
}

package notification

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blockedNets are the ranges a webhook must not reach unless the operator allows private
// targets: what is inside the shop's network (or the host itself, or the cloud's metadata
// service) rather than on the internet. netip's Is* methods cover loopback, private (RFC 1918
// and fc00::/7), link-local, multicast and unspecified; these are the rest.
var blockedNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, used inside clouds
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: an IPv4 address behind a translator
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4, which embeds an IPv4 address
	netip.MustParsePrefix("2001::/32"),      // Teredo, likewise
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("100::/64"),       // discard
}

// ErrPrivateTarget is why a webhook was not sent to, or registered for, an internal address.
var ErrPrivateTarget = errors.New("is a loopback, private, link-local, multicast or unspecified address (PASAR_WEBHOOK_ALLOW_PRIVATE=true allows it)")

// privateAddr reports whether ip is one a webhook must not reach (see blockedNets).
func privateAddr(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if ip.Zone() != "" || !ip.IsValid() {
		return true
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blockedNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// privateHost reports whether a URL's host names an internal address by itself: an IP literal
// in a blocked range, or localhost. Other names are checked when they are dialled.
func privateHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && privateAddr(ip)
}

// guardDial refuses a connection to an internal address. It runs as the dialer's Control hook,
// on the address actually being connected to after name resolution, so a name that resolves
// (or re-resolves, as in DNS rebinding) to an internal address is refused as well.
func guardDial(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook target %s: %w", address, err)
	}
	if privateAddr(ap.Addr()) {
		return fmt.Errorf("webhook target %s %w", ap.Addr(), ErrPrivateTarget)
	}
	return nil
}

// NewWebhookClient returns the client webhooks are sent with: 10 s per attempt, no redirects
// followed (that would send the signed event elsewhere), no proxy from the environment, and,
// unless allowPrivate, no connection to an internal address.
func NewWebhookClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = guardDial
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

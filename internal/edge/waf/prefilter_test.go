package waf

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
)

// evasions are ways attackers dress a payload to slip past pattern matching; the prefilter's
// literal checks must see through every one the regular expressions see through.
var evasions = []struct {
	name string
	fn   func(string) string
}{
	{"as is", func(s string) string { return s }},
	{"upper case", strings.ToUpper},
	{"alternating case", func(s string) string {
		b := []byte(s)
		for i := range b {
			if i%2 == 0 && b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		return string(b)
	}},
	// Go's case-insensitive matching folds these two non-ASCII letters onto ASCII ones.
	{"long s and kelvin sign", func(s string) string {
		return strings.NewReplacer("s", "\u017f", "k", "\u212a").Replace(s)
	}},
	{"tabs for spaces", func(s string) string { return strings.ReplaceAll(s, " ", "\t") }},
	{"comments for spaces", func(s string) string { return strings.ReplaceAll(s, " ", "/**/") }},
	{"after a newline", func(s string) string { return "harmless\n" + s }},
	{"percent-encoded again", func(s string) string { return strings.ReplaceAll(q(s), "%", "%25") }},
	{"short", func(s string) string { return s[:min(len(s), 4)] }},
}

// TestRxPrefilterChangesNoVerdict sends the attack corpus, every payload on every endpoint in
// every evasion, and the legitimate requests through the WAF as configured (SecRxPreFilter On)
// and through the same rules with the prefilter off: the rules that match, and so the verdicts,
// must be identical.
func TestRxPrefilterChangesNoVerdict(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles the rules twice and evaluates about 450 requests on each")
	}
	on := testWAF(t, Block, nil).waf
	d := directives(Block, 1<<20)
	if !strings.Contains(d, "SecRxPreFilter On\n") || strings.Index(d, "SecRxPreFilter On") > strings.Index(d, "Include @owasp_crs/") {
		t.Fatal("the prefilter is not switched on before the CRS rules are parsed")
	}
	off, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).
		WithDirectives(strings.Replace(d, "SecRxPreFilter On", "SecRxPreFilter Off", 1)))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []request
	reqs = append(reqs, attacks...)
	reqs = append(reqs, legitimate...)
	// The prefilter sees values, whichever variable holds them: every payload goes to every
	// endpoint as is, and in every evasion to a query argument and a JSON body field.
	for _, p := range payloads {
		for i, ev := range evasions {
			for _, e := range endpoints {
				if i > 0 && e.name != "search" && e.name != "checkout json" {
					continue
				}
				rq := e.build(ev.fn(p.value))
				rq.name = p.class + " " + ev.name + " on " + e.name
				reqs = append(reqs, rq)
			}
		}
	}
	blocked := 0
	for _, rq := range reqs {
		a, b := matched(t, on, rq.build()), matched(t, off, rq.build())
		if !slices.Equal(a, b) {
			t.Errorf("%s (%s %s): rules %v with the prefilter, %v without", rq.name, rq.method, rq.target, a, b)
		}
		if slices.Contains(a, 949110) {
			blocked++
		}
	}
	if blocked < len(attacks) {
		t.Fatalf("only %d of %d requests blocked: the comparison saw too few matches to mean anything", blocked, len(reqs))
	}
}

// matched evaluates one request and returns the ids of every rule that matched, in order.
func matched(t *testing.T, w coraza.WAF, r *http.Request) []int {
	t.Helper()
	tx := w.NewTransaction()
	defer func() { _ = tx.Close() }()
	if _, err := process(tx, r); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, m := range tx.MatchedRules() {
		ids = append(ids, m.Rule().ID())
	}
	return ids
}

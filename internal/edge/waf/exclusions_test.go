package waf

import (
	"net/http"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
)

// streetInjections are SQL injections dressed as street lines: accented letters around the
// quote, full-width quotes, comments after a "#".
var streetInjections = []string{
	"Église' OR 'a'='a",
	"12 Rue' OR '1'='1",
	"Apt #3' OR 1=1 --",
	"#3' OR 'x'='x",
	"3º' OR '1'='1",
	"x' OR 'ä'='ä",
	"ü' or ''='",
	"é' or 1=1#",
	"Straße' OR 1=1 --",
	"1' OR 1=1 -- é",
	"é' AND SLEEP(5)--",
	"ñ'||(SELECT version())||'",
	"Ünit' UNION SELECT password FROM users--",
	"Hôtel'; SELECT pg_sleep(5)--",
	"12 Rue d'Été'; DROP TABLE orders; --",
	"\uff07 OR \uff071\uff07=\uff071",
	"admin'--",
	"é';--",
}

// TestStreetLineExclusionKeepsInjectionsBlocked compares the rules as configured with the same
// rules without the street-line exclusion (10003-10006): every injection, every payload (the SQL
// ones in every evasion), sent as a street line through the API and the storefront form, that the unexcluded
// rules refuse must still be refused. And the address that needed the exclusion must still be
// refused without it; when a CRS release stops refusing it, the exclusion can go.
func TestStreetLineExclusionKeepsInjectionsBlocked(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles the rules twice and evaluates about 120 requests on each")
	}
	with := testWAF(t, Block, nil).Wrap(echo)
	cw, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).
		WithDirectives(directives(Block, 1<<20) + "\nSecRuleRemoveById 10003-10006"))
	if err != nil {
		t.Fatal(err)
	}
	without := (&WAF{waf: cw, mode: Block, log: testWAF(t, Block, nil).log}).Wrap(echo)
	refused := func(h http.Handler, rq request) bool {
		rec := serve(h, rq.build())
		return rec.Code >= 400 && rec.Header().Get("Pasar-Incident") != ""
	}
	var values []string
	values = append(values, streetInjections...)
	// The exclusion concerns a SQL injection rule: those payloads in every evasion, the others as
	// they are.
	for _, p := range payloads {
		for i, ev := range evasions {
			if i == 0 || p.class == "sql injection" {
				values = append(values, ev.fn(p.value))
			}
		}
	}
	var streets []func(string) request
	for _, e := range endpoints {
		if strings.HasSuffix(e.name, "street line") {
			streets = append(streets, e.build)
		}
	}
	if len(streets) != 2 {
		t.Fatalf("%d street-line endpoints, want the API's and the form's", len(streets))
	}
	for _, v := range values {
		for _, build := range streets {
			rq := build(v)
			if refused(without, rq) && !refused(with, rq) {
				t.Errorf("%q in %s: refused without the exclusion, let through with it", v, rq.target)
			}
		}
	}
	for _, v := range streetInjections {
		for _, build := range streets {
			if rq := build(v); !refused(with, rq) {
				t.Errorf("%q in %s: let through", v, rq.target)
			}
		}
	}
	if rq := streets[0](addresses[0]); !refused(without, rq) {
		t.Errorf("%q is no longer refused without the exclusion: 10003-10006 may be dropped", addresses[0])
	}
}

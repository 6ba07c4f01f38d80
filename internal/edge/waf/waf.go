// Package waf screens requests with the OWASP Coraza engine and the OWASP Core Rule Set (CRS) at
// paranoia level 1 with anomaly scoring, plus Pasar's reviewed rule exclusions. It inspects the
// request line, headers and JSON, form and multipart bodies, and the catalog import's NDJSON;
// responses are not inspected (it costs a copy of every body and protects against little that
// Pasar's own handlers could leak).
package waf

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
)

// Mode says what the WAF does with a request the rules flag.
type Mode string

// Modes: Off skips the WAF entirely, Detect logs what block would have stopped, Block refuses it.
const (
	Off    Mode = "off"
	Detect Mode = "detect"
	Block  Mode = "block"
)

// ParseMode checks a PASAR_WAF value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Off, Detect, Block:
		return m, nil
	}
	return "", fmt.Errorf("WAF mode %q: must be off, detect or block", s)
}

// Options configures New.
type Options struct {
	Mode         Mode
	MaxBodyBytes int64        // bodies are inspected up to this size; larger ones are refused (413)
	Logger       *slog.Logger // blocked and detected requests; nil discards
	// Verdicts is how many clean verdicts of body-less, credential-less requests to remember
	// per generation (see verdicts): 0 means 16384, a negative number remembers none.
	Verdicts int
	// OnIncident, when set, is called with "blocked" or "detected" for each incident logged.
	OnIncident func(action string)
}

// WAF is a compiled rule set. It is safe for concurrent use; compile it once per process.
type WAF struct {
	waf      coraza.WAF // nil in Off mode
	mode     Mode
	log      *slog.Logger
	seen     *verdicts           // nil when verdicts are not remembered
	incident func(action string) // Options.OnIncident; nil: none
}

// New compiles the rules. It takes about a second and some tens of MiB, so a process builds one.
func New(o Options) (*WAF, error) {
	w := &WAF{mode: o.Mode, log: o.Logger, incident: o.OnIncident}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if o.Mode == Off {
		return w, nil
	}
	if _, err := ParseMode(string(o.Mode)); err != nil {
		return nil, err
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	cw, err := coraza.NewWAF(coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(directives(o.Mode, o.MaxBodyBytes)))
	if err != nil {
		return nil, fmt.Errorf("compile WAF rules: %w", err)
	}
	w.waf = cw
	if o.Verdicts == 0 {
		o.Verdicts = 16384
	}
	if o.Verdicts > 0 {
		w.seen = newVerdicts(o.Verdicts)
	}
	return w, nil
}

// Mode returns the mode the WAF runs in.
func (w *WAF) Mode() Mode { return w.mode }

// directives is the whole configuration: Coraza's recommended engine settings with response
// inspection off, the CRS setup at paranoia level 1, Pasar's settings and exclusions, then the
// CRS request rules. The response rule files are left out, as responses are never inspected.
//
// SecRxPreFilter makes each @rx rule first check what any match must contain (its required
// literals, its minimum length) and skip the regular expression when the value lacks it; most
// values a shop sees lack the words of most attack patterns. It is a necessary-condition check,
// so it cannot turn a match into a miss (TestRxPrefilterChangesNoVerdict compares it with the
// plain engine over the attack corpus), and it only applies to rules parsed after it, so it
// comes before the CRS files.
func directives(mode Mode, maxBody int64) string {
	registerBodyProcessors() // the exclusions name it
	engine := "On"
	if mode == Detect {
		engine = "DetectionOnly"
	}
	limit := strconv.FormatInt(maxBody, 10)
	return strings.Join([]string{
		"Include @coraza.conf-recommended",
		"SecRuleEngine " + engine,
		"SecRxPreFilter On",
		"SecResponseBodyAccess Off",
		"SecAuditEngine Off", // the incident line in Pasar's log is the audit record
		"SecRequestBodyLimit " + limit,
		"SecRequestBodyInMemoryLimit " + limit,
		"Include @crs-setup.conf.example",
		pasarSettings,
		exclusions,
		"Include @owasp_crs/REQUEST-*.conf",
	}, "\n")
}

// pasarSettings replaces CRS setup defaults that do not fit a JSON REST API.
const pasarSettings = `
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=1"
SecAction "id:900200,phase:1,pass,t:none,nolog,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
SecAction "id:900950,phase:1,pass,t:none,nolog,setvar:tx.crs_validate_utf8_encoding=1"
`

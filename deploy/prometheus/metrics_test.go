package prometheus

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

// rulesFile is the part of a Prometheus rules file this test reads.
type rulesFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Record string `json:"record"`
			Alert  string `json:"alert"`
			Expr   string `json:"expr"`
		} `json:"rules"`
	} `json:"groups"`
}

// query is one PromQL expression and where it was found.
type query struct{ where, expr string }

func ruleQueries(t *testing.T) (qs []query, recorded map[string]bool) {
	t.Helper()
	recorded = map[string]bool{}
	files, _ := filepath.Glob("rules/*.yml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rf rulesFile
		if err := yaml.Unmarshal(raw, &rf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
				}
				qs = append(qs, query{f + ": " + r.Record + r.Alert, r.Expr})
			}
		}
	}
	if len(qs) < 10 {
		t.Fatalf("only %d rules found in rules/*.yml", len(qs))
	}
	return qs, recorded
}

// dashboardQueries returns every panel target's expression and every query variable's query of
// the Grafana dashboards.
func dashboardQueries(t *testing.T) []query {
	t.Helper()
	files, _ := filepath.Glob("../grafana/dashboards/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards in ../grafana/dashboards")
	}
	var qs []query
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels     []panel `json:"panels"`
			Templating struct {
				List []struct {
					Name  string `json:"name"`
					Type  string `json:"type"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var walk func([]panel)
		walk = func(ps []panel) {
			for _, p := range ps {
				for _, tg := range p.Targets {
					qs = append(qs, query{f + ": " + p.Title, tg.Expr})
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			q, _ := v.Query.(string)
			if m, ok := v.Query.(map[string]any); ok {
				q, _ = m["query"].(string)
			}
			// label_values(<series selector>, <label>): the selector names a metric.
			if inner, ok := strings.CutPrefix(q, "label_values("); ok {
				q = inner[:strings.LastIndex(inner, ",")]
			}
			qs = append(qs, query{f + ": variable " + v.Name, q})
		}
	}
	return qs
}

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

var (
	quoted   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	matchers = regexp.MustCompile(`\{[^}]*\}`)
	grouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ranges   = regexp.MustCompile(`\[[^\]]*\]`)
	token    = regexp.MustCompile(`[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	keywords = []string{"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring",
		"group_left", "group_right", "inf", "nan", "Inf", "NaN"}
)

// metricNames returns the metric names a PromQL expression reads: identifiers left once quoted
// text, label matchers, grouping clauses and ranges are gone, that are neither functions or
// aggregations (followed by a parenthesis), keywords, numbers nor Grafana variables.
func metricNames(expr string) []string {
	e := quoted.ReplaceAllString(expr, `""`)
	e = matchers.ReplaceAllString(e, " ")
	e = grouping.ReplaceAllString(e, " ")
	e = ranges.ReplaceAllString(e, " ")
	var out []string
	for _, m := range token.FindAllStringSubmatchIndex(e, -1) {
		tok := e[m[0]:m[1]]
		switch {
		case m[0] > 0 && e[m[0]-1] == '$', // a Grafana variable
			tok[0] >= '0' && tok[0] <= '9',
			strings.HasSuffix(tok, "("),
			slices.Contains(keywords, tok):
			continue
		}
		out = append(out, tok)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (namespace, le) (rate(http_request_duration_seconds_bucket{route!~"/(a|b)"}[5m]))`:          {"http_request_duration_seconds_bucket"},
		`a:b:c > 5 * sum by (x) (rate(foo_total{action="blocked"}[1h] offset 5m))`:                          {"a:b:c", "foo_total"},
		`x / y < 0.10 and predict_linear(x[6h], 24 * 3600) < 0`:                                             {"x", "y", "x"},
		`histogram_quantile(0.99, sum by (le) (rate(h_bucket{component=~"$component"}[$__rate_interval])))`: {"h_bucket"},
		`up{job=~"pasar.*"} == 0`: {"up"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%s) = %v, want %v", expr, got, want)
		}
	}
}

// TestRulesAndDashboardsUseRealMetrics runs a shop, sells something, and checks that every
// metric the rules and the dashboards read is one the shop exports (or a recording rule of
// rules/, or Prometheus's own up): a renamed metric or a typo fails here, not in production
// as an alert that can never fire.
func TestRulesAndDashboardsUseRealMetrics(t *testing.T) {
	qs, recorded := ruleQueries(t)
	qs = append(qs, dashboardQueries(t)...)
	names := exported(t)
	var missing []string
	used := map[string]bool{}
	for _, q := range qs {
		for _, n := range metricNames(q.expr) {
			used[n] = true
			if !names[n] && !recorded[n] && n != "up" {
				missing = append(missing, n+" ("+q.where+")")
			}
		}
	}
	sort.Strings(missing)
	for _, m := range slices.Compact(missing) {
		t.Errorf("not exported by Pasar: %s", m)
	}
	for r := range recorded {
		if !used[r] {
			t.Errorf("recording rule %s is used by no alert or dashboard", r)
		}
	}
}

// TestRulesWithPromtool checks the rules files and runs their unit tests (rules/*_test.yml) with
// Debian's promtool (tests/*.yml), and checks prometheus.yml.
func TestRulesWithPromtool(t *testing.T) {
	promtool := deploytest.Binary(t, "promtool", "prometheus")
	run := func(args ...string) string {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	rules, _ := filepath.Glob("rules/*.yml")
	tests, _ := filepath.Glob("tests/*.yml")
	if len(tests) == 0 || len(rules) == 0 {
		t.Fatal("no rules/*.yml, or no unit tests of them in tests/*.yml")
	}
	run(append([]string{"check", "rules"}, rules...)...)
	if out := run(append([]string{"test", "rules"}, tests...)...); !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules did not report SUCCESS:\n%s", out)
	}
	checkConfig(t, promtool)
}

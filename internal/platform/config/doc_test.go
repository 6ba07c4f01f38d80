package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/CONFIGURATION.md from the settings")

const docPath = "../../../docs/CONFIGURATION.md"

// TestConfigurationDoc keeps docs/CONFIGURATION.md equal to the settings the binary really has;
// after adding a setting, run: go test ./internal/platform/config -run ConfigurationDoc -update
func TestConfigurationDoc(t *testing.T) {
	want := renderDoc()
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the settings; run: go test ./internal/platform/config -run ConfigurationDoc -update", docPath)
	}
}

func renderDoc() string {
	var b strings.Builder
	b.WriteString(`# Configuration

Every setting of the ` + "`pasar`" + ` binary, generated from its settings table (the test
` + "`TestConfigurationDoc`" + ` keeps this page in step). Each flag has a ` + "`PASAR_*`" + ` environment
twin; a flag given on the command line wins over the environment. A bad value stops the program
at start with one line naming the setting. Secrets are masked when the configuration is logged.

Scope: *storage* settings apply to every command that opens the stores (` + "`serve`, `migrate`, `seed`" + `,
...); *server* settings only to ` + "`serve`" + `; *gateway* settings to ` + "`gateway`" + `.

| flag | environment | default | scope | meaning |
|---|---|---|---|---|
`)
	c := Default()
	for _, s := range c.Settings() {
		def := s.Value.String()
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		var scopes []string
		if s.Scope&Storage != 0 {
			scopes = append(scopes, "storage")
		}
		if s.Scope&Server != 0 {
			scopes = append(scopes, "server")
		}
		if s.Scope&Gateway != 0 {
			scopes = append(scopes, "gateway")
		}
		usage := s.Usage
		if s.Secret {
			usage += " (secret)"
		}
		b.WriteString("| `--" + s.Flag + "` | `" + s.Env + "` | " + def + " | " + strings.Join(scopes, ", ") +
			" | " + strings.ReplaceAll(usage, "|", "\\|") + " |\n")
	}
	b.WriteString(`
Tracing follows the OpenTelemetry variables: spans go to an OTLP/HTTP collector when
` + "`OTEL_EXPORTER_OTLP_ENDPOINT`" + ` (or ` + "`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`" + `) is set, and tracing is off otherwise.
`)
	return b.String()
}

package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// checkConfig runs promtool check config on prometheus.yml. Debian's promtool is built without
// Kubernetes service discovery: there, the Kubernetes job is checked with a static target in
// place of its discovery (its relabelling still checked by promtool), and its discovery here.
func checkConfig(t *testing.T, promtool string) {
	t.Helper()
	out, err := exec.Command(promtool, "check", "config", "prometheus.yml").CombinedOutput()
	if err == nil {
		return
	}
	if !strings.Contains(string(out), "kubernetes_sd_configs not found") {
		t.Fatalf("promtool check config prometheus.yml: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	sd := regexp.MustCompile(`(?m)^    kubernetes_sd_configs:\n      - role: pod\n`)
	if !sd.Match(raw) {
		t.Fatal("prometheus.yml: the pasar job does not discover pods (kubernetes_sd_configs, role: pod)")
	}
	static := sd.ReplaceAll(raw, []byte("    static_configs:\n      - targets: [\"10.0.0.1:8080\"]\n"))
	dir := t.TempDir()
	abs, _ := filepath.Abs("rules")
	if err := os.Symlink(abs, filepath.Join(dir, "rules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), static, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "config", "prometheus.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check config (Kubernetes discovery replaced by a static target): %v\n%s", err, out)
	}
	checkDiscovery(t, raw)
}

// checkDiscovery holds the Kubernetes job's relabelling to the pods deploy/kubernetes makes: it
// keeps pods by the label and annotations they carry, and reads the port and path they announce.
func checkDiscovery(t *testing.T, raw []byte) {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName        string `json:"job_name"`
			RelabelConfigs []struct {
				SourceLabels []string `json:"source_labels"`
				Regex        string   `json:"regex"`
				Action       string   `json:"action"`
				TargetLabel  string   `json:"target_label"`
			} `json:"relabel_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	var pod struct {
		Spec struct {
			Template struct {
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			} `json:"template"`
		} `json:"spec"`
	}
	podRaw, err := os.ReadFile("../kubernetes/components/pod-defaults/pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(podRaw, &pod); err != nil {
		t.Fatal(err)
	}
	meta := func(kind, name string) string {
		return "__meta_kubernetes_pod_" + kind + "_" + regexp.MustCompile(`[^a-zA-Z0-9_]`).ReplaceAllString(name, "_")
	}
	ann := pod.Spec.Template.Metadata.Annotations
	want := map[string]string{ // source label -> what the relabelling must do with it
		meta("label", "app.kubernetes.io/part-of"):   "keep pasar",
		meta("annotation", "prometheus.io/scrape"):   "keep " + ann["prometheus.io/scrape"],
		meta("annotation", "prometheus.io/path"):     "__metrics_path__",
		meta("label", "app.kubernetes.io/component"): "component",
		"port": "__address__ from the pod IP and " + meta("annotation", "prometheus.io/port"),
	}
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] == "" {
		t.Fatalf("pod-defaults.yaml annotations %v: want prometheus.io/scrape true and a port", ann)
	}
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != "pasar" {
			continue
		}
		for _, rc := range sc.RelabelConfigs {
			for _, src := range rc.SourceLabels {
				w, ok := want[src]
				if !ok {
					continue
				}
				got := rc.TargetLabel
				if rc.Action == "keep" {
					got = "keep " + strings.Trim(rc.Regex, `"`)
				}
				if got == w {
					delete(want, src)
				}
			}
			if len(rc.SourceLabels) == 2 && rc.SourceLabels[1] == meta("annotation", "prometheus.io/port") && rc.TargetLabel == "__address__" {
				delete(want, "port")
			}
		}
	}
	for src, w := range want {
		t.Errorf("prometheus.yml job pasar: no relabelling of %s to %s", src, w)
	}
}

package docker

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
)

const root = "../.."

func stages(t *testing.T) (build, runtime Stage) {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 {
		t.Fatalf("Dockerfile has %d stages, want build and runtime", len(st))
	}
	if st[0].Name != "build" {
		t.Fatalf("first stage is named %q, want build", st[0].Name)
	}
	return st[0], st[1]
}

// buildCommand is the build stage's go build, without BuildKit's RUN options, its output moved
// from /out to dir.
func buildCommand(t *testing.T, build Stage, dir string) string {
	t.Helper()
	for _, run := range build.Find("RUN") {
		if !strings.Contains(run, "go build") {
			continue
		}
		for strings.HasPrefix(run, "--") {
			_, run, _ = strings.Cut(run, " ")
			run = strings.TrimSpace(run)
		}
		if !strings.Contains(run, "-o /out/pasar ") {
			t.Fatalf("go build does not write /out/pasar: %s", run)
		}
		return strings.Replace(run, "/out/pasar", filepath.Join(dir, "pasar"), 1)
	}
	t.Fatal("the build stage has no RUN with go build")
	return ""
}

// TestBuildCommandMakesAStaticBinary runs the build stage's own command (with its ARG VERSION set)
// and checks the binary: cgo off as recorded by the Go toolchain, and `pasar version` names the
// version passed in.
func TestBuildCommandMakesAStaticBinary(t *testing.T) {
	build, _ := stages(t)
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", buildCommand(t, build, dir))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VERSION=v9.9.9-dockertest")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Args[2], err, out)
	}
	bin := filepath.Join(dir, "pasar")
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "CGO_ENABLED=0") {
		t.Errorf("binary not built with CGO_ENABLED=0:\n%s", info)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v9.9.9-dockertest") {
		t.Errorf("pasar version = %q, %v; want the VERSION build argument in it", out, err)
	}
}

// TestBuildContextHoldsEverySource checks that every file the build compiles or embeds is both
// copied by the build stage and left in the context by .dockerignore.
func TestBuildContextHoldsEverySource(t *testing.T) {
	build, _ := stages(t)
	var copied []string
	for _, c := range build.Find("COPY") {
		f := strings.Fields(c)
		for _, src := range f[:len(f)-1] {
			copied = append(copied, path.Clean(src))
		}
	}
	ignored := dockerignore(t)

	files := []string{"go.mod", "go.sum"}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,GoFiles,EmbedFiles,Module", "./cmd/pasar")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			Dir                 string
			GoFiles, EmbedFiles []string
			Module              *struct{ Main bool }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue // standard library or a module dependency: downloaded, not copied
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(files) < 50 {
		t.Fatalf("only %d source files found; go list output not understood", len(files))
	}
	for _, f := range files {
		if !underAny(f, copied) {
			t.Errorf("%s is compiled into pasar but no COPY of the build stage brings it (COPY sources: %v)", f, copied)
		}
		if p := ignored(f); p != "" {
			t.Errorf("%s is compiled into pasar but .dockerignore pattern %q leaves it out of the context", f, p)
		}
	}
}

func underAny(file string, dirs []string) bool {
	for _, d := range dirs {
		if d == "." || file == d || strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}

// dockerignore returns a function naming the .dockerignore pattern that excludes a path (or "").
// Docker matches each pattern against the path and its parent folders; this knows patterns
// without "**" and "!" and fails on those, rather than misjudge them.
func dockerignore(t *testing.T) func(string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pats []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if strings.Contains(p, "**") || strings.HasPrefix(p, "!") {
			t.Fatalf(".dockerignore pattern %q: this test does not know ** or ! patterns; teach it", p)
		}
		pats = append(pats, path.Clean(strings.TrimPrefix(p, "/")))
	}
	return func(file string) string {
		for _, p := range pats {
			for f := file; f != "."; f = path.Dir(f) {
				if ok, _ := path.Match(p, f); ok {
					return p
				}
			}
		}
		return ""
	}
}

// TestRuntimeImage checks the runtime stage: a numeric non-root user, the binary the build made,
// and a HEALTHCHECK that, run as written by sh with the image's environment, asks a real pasar
// serve's /healthz and succeeds (and fails once the process is gone).
func TestRuntimeImage(t *testing.T) {
	_, rt := stages(t)
	users := rt.Find("USER")
	if len(users) != 1 {
		t.Fatalf("runtime stage has %d USER instructions, want 1", len(users))
	}
	uid, _, _ := strings.Cut(users[0], ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Errorf("USER %s: want a numeric non-root uid (runAsNonRoot checks it)", users[0])
	}
	if !slicesContainsSub(rt.Find("RUN"), "ca-certificates") {
		t.Error("runtime stage does not install ca-certificates")
	}
	if !slicesContainsSub(rt.Find("COPY"), "--from=build /out/pasar /usr/local/bin/pasar") {
		t.Error("runtime stage does not copy the built /out/pasar to /usr/local/bin/pasar")
	}
	if e := rt.Find("ENTRYPOINT"); len(e) != 1 || e[0] != `["pasar"]` {
		t.Errorf("ENTRYPOINT %v, want [\"pasar\"]", e)
	}
	env := map[string]string{}
	for _, e := range rt.Find("ENV") {
		for _, kv := range strings.Fields(e) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("ENV %s: want key=value pairs", e)
			}
			env[k] = v
		}
	}
	if _, port, _ := strings.Cut(env["PASAR_ADDR"], ":"); !slicesContainsSub(rt.Find("EXPOSE"), port) || port == "" {
		t.Errorf("EXPOSE %v does not name PASAR_ADDR's port %q", rt.Find("EXPOSE"), port)
	}
	hc := rt.Find("HEALTHCHECK")
	if len(hc) != 1 {
		t.Fatalf("runtime stage has %d HEALTHCHECK instructions, want 1", len(hc))
	}
	_, check, ok := strings.Cut(hc[0], "CMD ")
	if !ok || !strings.Contains(check, "/healthz") {
		t.Fatalf("HEALTHCHECK %s: want a CMD asking /healthz", hc[0])
	}

	deploytest.Binary(t, "wget", "wget") // busybox wget in the image; Debian's takes the same flags
	port := deploytest.FreePort(t)
	envList := []string{
		"PASAR_ADDR=127.0.0.1:" + strconv.Itoa(port), // the image's :8080 with a free port
		"PASAR_DATA=" + t.TempDir(),
	}
	p := deploytest.Start(t, envList, deploytest.Pasar(t), "serve")
	deploytest.WaitHTTP(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/healthz", 200, 60*time.Second)
	run := func() error {
		cmd := exec.Command("sh", "-c", check)
		cmd.Env = append(os.Environ(), envList...)
		return cmd.Run()
	}
	if err := run(); err != nil {
		t.Errorf("health check %q failed against a running pasar: %v", check, err)
	}
	p.Stop()
	if err := run(); err == nil {
		t.Errorf("health check %q passed with pasar stopped", check)
	}
}

func slicesContainsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

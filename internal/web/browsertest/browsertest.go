// Package browsertest starts Debian's chromium headless for browser tests driven with chromedp,
// and saves screenshots where the README says to look for them.
//
// A test calls New(t) and runs chromedp actions on the context it returns. Without chromium the
// test is skipped with a message saying how to install it, except under CI=true, where a missing
// browser fails the test: CI installs it, so its absence is a broken setup, not a reason to pass.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package puts the browser.
const DefaultPath = "/usr/bin/chromium"

// ScreenshotDir is where Screenshot saves its images, relative to the repository root. It is
// git-ignored; CI keeps it as a test artifact.
const ScreenshotDir = "test-artifacts/screenshots"

// Options change how New starts the browser. The zero value is what most tests want.
type Options struct {
	// Timeout bounds the whole browser session; 45s when zero.
	Timeout time.Duration
	// Width and Height are the window size; 1280x900 when zero.
	Width, Height int
}

// Path returns the chromium to use: PASAR_CHROMIUM when set, else DefaultPath, else chromium or
// chromium-browser on PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("PASAR_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat(DefaultPath); err == nil {
		return DefaultPath
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a fresh headless chromium (its own profile directory, removed after the test) and
// returns a chromedp context for it, cancelled and the browser stopped when the test ends.
func New(t testing.TB, o Options) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		msg := "browser test needs chromium at " + DefaultPath + " (apt-get install -y chromium) or PASAR_CHROMIUM"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true, so a missing browser is a failure")
		}
		t.Skip(msg)
	}
	if o.Timeout == 0 {
		o.Timeout = 45 * time.Second
	}
	if o.Width == 0 || o.Height == 0 {
		o.Width, o.Height = 1280, 900
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI runners rarely allow chromium's sandbox
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(o.Width, o.Height),
		// Quiet and deterministic: no network calls of the browser's own, no QUIC to test servers.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true), // small /dev/shm in containers crashes tabs
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// Start the browser now, on the untimed context (the browser lives as long as the context of
	// the first call), so a broken install fails here with chromium's own error.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, o.Timeout)
	t.Cleanup(cancelTimeout)
	return ctx
}

// Screenshot saves a full-page PNG of the current page as <ScreenshotDir>/<name>.png under the
// repository root and returns its path. A failure to save is reported but does not stop the test.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	// From the top: a sticky header would otherwise be drawn where the page was scrolled to.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.scrollTo(0, 0), true")); err != nil {
		t.Logf("scroll to top before screenshot %s: %v", name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG, as the name says
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	dir := filepath.Join(RepoRoot(t), ScreenshotDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot dir: %v", err)
		return ""
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	return p
}

// RepoRoot is the directory holding go.mod, found from this file's location.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository root")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir || !strings.HasPrefix(dir, string(filepath.Separator)) {
			t.Fatal("go.mod not found above " + filepath.Dir(file))
		}
		dir = parent
	}
}

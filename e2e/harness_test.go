package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// artifactsDir receives the screenshots and the example's log; it is
// gitignored (/e2e/artifacts/) and kept after the run for people and CI.
const artifactsDir = "artifacts"

// findChromium returns Debian's chromium (or another Chrome on PATH). When
// there is none the test skips, unless WIXAUTH_REQUIRE_BROWSER=1, so that CI
// can never pass without having run the browser.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WIXAUTH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found on PATH: install it (Debian: apt-get install -y chromium) to run the browser test"
	if os.Getenv("WIXAUTH_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (WIXAUTH_REQUIRE_BROWSER=1)")
	}
	t.Skip(msg)
	return ""
}

// exampleApp is the real example binary, running against its embedded fake.
type exampleApp struct {
	URL     string // the app, http://localhost:<port>
	FakeURL string // the embedded fake Wix, http://127.0.0.1:<port>
	log     *lockedBuffer
}

// startExample builds ../example and starts it on localhost:<free port>. The
// binary, not an in-process copy, is what a developer runs with go run.
func startExample(t *testing.T, dir string, env ...string) *exampleApp {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "example")
	build := exec.Command("go", "build", "-o", bin, "./example")
	build.Dir = root // the example belongs to the root module, not this one
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./example: %v\n%s", err, out)
	}

	cmd := exec.Command(bin)
	// Port 0: the example binds a free port and prints its real URL, so
	// nothing can take the port between choosing and binding it.
	cmd.Env = append(append(cleanEnv(), "ADDR=localhost:0"), env...)
	app := &exampleApp{log: &lockedBuffer{}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = app.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		os.WriteFile(filepath.Join(dir, "example.log"), app.log.Bytes(), 0o644)
	})

	fakeRE := regexp.MustCompile(`embedded fake Wix at (http://\S+)`)
	listenRE := regexp.MustCompile(`^Listening on (http://\S+)`)
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(app.log, line)
			if m := fakeRE.FindStringSubmatch(line); m != nil {
				app.FakeURL = m[1]
			}
			if m := listenRE.FindStringSubmatch(line); m != nil {
				app.URL = m[1]
				close(ready)
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the example did not print its URL within 30s; output:\n%s", app.log.Bytes())
	}
	if app.FakeURL == "" || !strings.HasPrefix(app.URL, "http://localhost:") || !strings.HasPrefix(app.FakeURL, "http://127.0.0.1:") {
		t.Fatalf("want the app on localhost and the fake on 127.0.0.1 (two sites), got app %q fake %q", app.URL, app.FakeURL)
	}
	resp, err := http.Get(app.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	return app
}

// cleanEnv drops the variables that would point the example at a real Wix,
// another store or another address.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "ADDR", "BASE_URL", "WIX_CLIENT_ID", "WIX_API_URL", "WIX_API_KEY", "SESSION_STORE", "DIRECT_LOGIN":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// newBrowser starts headless chromium with a fresh profile and returns a tab.
func newBrowser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is tiny in containers
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first action starts the browser; its context must outlive the test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium %s: %v", exe, err)
	}
	return ctx
}

// lockedBuffer collects the example's output from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

package main

// The app under load is the example itself (example/), built and run as its
// own process, configured through its environment as a deployment would
// configure it: the Wix client ID and API URL of this process's wixtest
// fake, and SESSION_STORE pointing at the test's redis-server.
//
// One file is added to the build (go build -overlay, nothing is written
// into the tree): a debug listener that answers the process's goroutine
// and open file counts, so that the load test can check that the load
// leaves nothing behind. The app's code is the example's, unchanged.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// debugFile is the file added to package main of the example.
const debugFile = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
)

func init() {
	addr := os.Getenv("LOADTEST_DEBUG_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	fmt.Printf("loadtest debug on %s\n", ln.Addr())
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fds, _ := os.ReadDir("/proc/self/fd")
		fmt.Fprintf(w, "{\"goroutines\": %d, \"fds\": %d}", runtime.NumGoroutine(), len(fds))
	}))
}
`

// buildExample builds ./example (run from the module root) into dir.
func buildExample(dir string, race bool) (string, error) {
	src := filepath.Join(dir, "loadtest_debug.go")
	if err := os.WriteFile(src, []byte(debugFile), 0o644); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(filepath.Join("example", "loadtest_debug.go"))
	if err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{abs: src}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "example")
	args := []string{"build", "-overlay", ov, "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./example")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./example (run the load test from the module root): %v\n%s", err, out)
	}
	return bin, nil
}

// appProcess is the running example.
type appProcess struct {
	cmd      *exec.Cmd
	url      string // the app's base URL, http://localhost:PORT
	debugURL string
	exited   chan struct{}
	logs     *logWatch
}

// startApp runs the example binary with env added to the environment and
// waits until it listens.
func startApp(bin string, env []string, logs *logWatch) (*appProcess, error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &appProcess{cmd: cmd, exited: make(chan struct{}), logs: logs}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); logs.read(stderr) }()
	go func() { wg.Wait(); cmd.Wait(); close(p.exited) }()

	timeout := time.After(60 * time.Second)
	for p.url == "" || p.debugURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				return nil, fmt.Errorf("the example exited before listening:\n%s", logs.tail())
			}
			if v, ok := strings.CutPrefix(l, "Listening on "); ok {
				p.url = v
			}
			if v, ok := strings.CutPrefix(l, "loadtest debug on "); ok {
				p.debugURL = "http://" + v
			}
		case <-timeout:
			p.stop()
			return nil, errors.New("the example did not listen within 60 s")
		}
	}
	go func() {
		for range lines { // keep the pipe drained
		}
	}()
	return p, nil
}

// appState is what the debug listener answers.
type appState struct {
	Goroutines int `json:"goroutines"`
	FDs        int `json:"fds"`
}

func (p *appProcess) state() (appState, error) {
	var st appState
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(p.debugURL)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// settle waits up to 10 s for the app's goroutines to wind down to want.
func (p *appProcess) settle(want int) (appState, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := p.state()
		if err != nil || st.Goroutines <= want || time.Now().After(deadline) {
			return st, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop shuts the app down as a deployment would (SIGTERM: graceful).
func (p *appProcess) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// logWatch reads the app's log (slog text on stderr) and counts warnings
// and errors, each with the time it arrived, so that those of an outage
// can be told from the others.
type logWatch struct {
	mu    sync.Mutex
	lines []logLine
	last  []string // the last lines, for failure messages
}

type logLine struct {
	at    time.Time
	level string // "WARN" or "ERROR"
	text  string
}

func (l *logWatch) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		t := sc.Text()
		l.mu.Lock()
		l.last = append(l.last, t)
		if len(l.last) > 20 {
			l.last = l.last[1:]
		}
		for _, lv := range []string{"WARN", "ERROR"} {
			if strings.Contains(t, " level="+lv+" ") {
				l.lines = append(l.lines, logLine{at: time.Now(), level: lv, text: t})
			}
		}
		l.mu.Unlock()
	}
}

func (l *logWatch) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.last, "\n")
}

// outside returns the warnings and errors logged outside the outage windows.
func (l *logWatch) outside(o *outages) (warn, errs []string, inside int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if o.covers(x.at, x.at) {
			inside++
			continue
		}
		if x.level == "ERROR" {
			errs = append(errs, x.text)
		} else {
			warn = append(warn, x.text)
		}
	}
	return warn, errs, inside
}

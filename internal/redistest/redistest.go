// Package redistest starts throwaway redis-server processes for tests, so
// that Redis code is tested against the real server rather than a fake.
//
// Each Start runs its own redis-server on a free 127.0.0.1 port with
// persistence off and its files in a temporary directory, and stops it when
// the test ends. Tests never touch a Redis the machine already runs.
//
// The binary is "redis-server" on PATH, or the path in $REDIS_SERVER. If it
// is missing the test is skipped, unless WIXAUTH_REQUIRE_REDIS=1 (set by
// scripts/test, and so in CI), in which case the test fails: Redis tests must
// never silently skip there.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/wixauth/wixauth/internal/testutil"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Bounds on waiting for the server; generous for a loaded CI machine, short
// enough that a broken setup fails quickly.
const (
	startTimeout = 5 * time.Second
	stopTimeout  = 5 * time.Second
	ioTimeout    = 2 * time.Second
)

// Server is a running throwaway redis-server.
type Server struct {
	// Addr is "127.0.0.1:PORT". The port stays the same across Restart.
	Addr string
	// URL is "redis://127.0.0.1:PORT/0", as accepted by stores.Open.
	URL string

	// Dir is the server's working directory, a temporary directory removed
	// at cleanup.
	Dir string

	t        testing.TB
	bin      string
	extra    []string
	port     int
	sentinel string // the config file of a Sentinel; "" for a plain server

	mu   sync.Mutex
	proc *process // nil while stopped

	poolOnce sync.Once
	pool     *redis.Pool
}

// process is one run of redis-server.
type process struct {
	cmd    *exec.Cmd
	out    *testutil.LockedBuffer // combined stdout/stderr, for failure messages
	exited chan struct{}          // closed once cmd.Wait returns
}

// Start starts a redis-server for t and registers its shutdown with
// t.Cleanup. It skips or fails t if redis-server is not available (see the
// package doc).
//
// extraArgs are appended to the server's command line (and reused by
// Restart), for tests that need more than the plain server, such as
// "--tls-port", "6390", "--tls-cert-file", ... Relative paths in them are
// relative to a fresh temporary directory, Dir.
func Start(t testing.TB, extraArgs ...string) *Server {
	t.Helper()
	bin := findBinary(t)
	// TempDir first: cleanups run last-in first-out, so the server is stopped
	// before its directory is removed.
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, Dir: dir, extra: slices.Clone(extraArgs)}
	t.Cleanup(s.shutdown)

	// A free port can be taken by someone else between our probe and
	// redis-server binding it; try a few.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		s.port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.URL = "redis://" + s.Addr + "/0"
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", lastErr)
	return nil
}

func findBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		// An explicit path that does not work is a broken setup, not an
		// absent optional dependency.
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("redistest: REDIS_SERVER=%q is not an executable: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("WIXAUTH_REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: redis-server not found on PATH and WIXAUTH_REQUIRE_REDIS=1: install it (apt-get install redis-server) or set REDIS_SERVER")
		}
		t.Skip("redistest: redis-server not found on PATH (set WIXAUTH_REQUIRE_REDIS=1 to make this a failure)")
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// extra listeners such as a TLS port.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatalf("redistest: finding a free port: %v", err)
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs redis-server on s.port and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("redis-server already running")
	}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.Dir,
		"--daemonize", "no",
		"--logfile", "",
		"--loglevel", "warning",
		// A replica's first sync starts at once, not after Redis 7's
		// default 5 s wait for more replicas to share it.
		"--repl-diskless-sync-delay", "0",
	}
	if s.sentinel != "" {
		// Sentinel takes its configuration file first and rewrites it.
		args = []string{s.sentinel, "--sentinel",
			"--port", strconv.Itoa(s.port),
			"--bind", "127.0.0.1",
			"--dir", s.Dir,
			"--daemonize", "no",
			"--logfile", "",
			"--loglevel", "warning",
		}
	}
	cmd := exec.Command(s.bin, append(args, s.extra...)...)
	cmd.Dir = s.Dir
	p := &process{cmd: cmd, out: &testutil.LockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %v", s.bin, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(s.Addr); err == nil {
			s.proc = p
			return nil
		} else if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("redis-server on %s did not answer PING within %v: %v\n%s", s.Addr, startTimeout, err, p.out.String())
		}
		select {
		case <-p.exited:
			return fmt.Errorf("redis-server on %s exited at start (%v):\n%s", s.Addr, cmd.ProcessState, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func ping(addr string) error {
	c, err := redis.Dial("tcp", addr,
		redis.DialConnectTimeout(200*time.Millisecond),
		redis.DialReadTimeout(200*time.Millisecond),
		redis.DialWriteTimeout(200*time.Millisecond))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Do("PING")
	return err
}

// kill stops the process: SIGTERM, then SIGKILL if it lingers. It returns
// once the process has exited, so its port is free again.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		return
	case <-time.After(stopTimeout):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Stop stops the server, simulating Redis going down. Its data is lost
// (persistence is off). Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Restart stops the server if it is running and starts a new, empty one on
// the same port, failing the test if it does not come up.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// Kill ends the server with SIGKILL, as a crash or a lost machine would:
// no shutdown, no last word to replicas or Sentinels. Restart starts it
// again.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is
// answered, as with a Redis that hangs. Its data is kept. Resume undoes it;
// cleanup resumes a paused server before stopping it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume lets a paused server answer again (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		_ = s.proc.cmd.Process.Signal(sig)
	}
}

// shutdown is the t.Cleanup hook.
func (s *Server) shutdown() {
	s.poolOnce.Do(func() {}) // orders the read of s.pool after any Pool call
	if s.pool != nil {
		_ = s.pool.Close()
	}
	s.Resume()
	s.Stop()
}

// Pool returns a connection pool to the server for inspecting or seeding
// data in tests. It keeps no idle connections, so it keeps working across
// Restart and adds no PINGs to CommandStats. It is closed at cleanup.
func (s *Server) Pool() *redis.Pool {
	s.poolOnce.Do(func() {
		addr := s.Addr
		s.pool = &redis.Pool{
			DialContext: func(ctx context.Context) (redis.Conn, error) {
				return redis.DialContext(ctx, "tcp", addr,
					redis.DialConnectTimeout(ioTimeout),
					redis.DialReadTimeout(ioTimeout),
					redis.DialWriteTimeout(ioTimeout))
			},
			MaxIdle: 0,
		}
	})
	return s.pool
}

// Do runs one command on a fresh connection and fails t on error. It is a
// shorthand for the common "look at a key" check.
func (s *Server) Do(t testing.TB, cmd string, args ...any) any {
	t.Helper()
	c := s.Pool().Get()
	defer c.Close()
	r, err := c.Do(cmd, args...)
	if err != nil {
		t.Fatalf("redistest: %s: %v", cmd, err)
	}
	return r
}

// ResetStats zeroes the server's statistics (CONFIG RESETSTAT), so that a
// following CommandStats counts only what the test does next.
func (s *Server) ResetStats(t testing.TB) {
	t.Helper()
	s.Do(t, "CONFIG", "RESETSTAT")
}

// CommandStats returns how many times each command was called since the
// server started or since ResetStats, from INFO commandstats, keyed by the
// lower-case command name ("get", "set", "exec", ...; subcommands look like
// "config|resetstat"). Commands never called are absent (so their count
// reads as 0). The INFO call itself is counted only in later calls.
func (s *Server) CommandStats(t testing.TB) map[string]int {
	t.Helper()
	info, err := redis.String(s.Do(t, "INFO", "commandstats"), nil)
	if err != nil {
		t.Fatalf("redistest: INFO commandstats: %v", err)
	}
	stats, err := parseCommandStats(info)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return stats
}

// parseCommandStats parses lines such as
//
//	cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0
func parseCommandStats(info string) (map[string]int, error) {
	stats := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "cmdstat_")
		if !ok {
			continue
		}
		name, fields, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected commandstats line %q", line)
		}
		calls := -1
		for f := range strings.SplitSeq(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("unexpected calls in commandstats line %q", line)
				}
				calls = n
			}
		}
		if calls < 0 {
			return nil, fmt.Errorf("no calls= in commandstats line %q", line)
		}
		stats[strings.ToLower(name)] = calls
	}
	return stats, sc.Err()
}

package wixauth_test

import (
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/wixtest"
)

// status requests u and returns the status and the time it took.
func status(t *testing.T, c *http.Client, u string) (int, string, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 512)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String(), time.Since(start)
}

// recovers polls u until it answers 200 and returns how long that took.
func recovers(t *testing.T, c *http.Client, u string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < limit {
		if code, _, _ := status(t, c, u); code == 200 {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no recovery within %v", limit)
	return 0
}

// Redis down at start, down mid-traffic, hung, and back: clear 503s within
// bounded time, no goroutine pile-up, and service back by itself within a
// second of Redis, with the sessions it still holds intact.
func TestRedisFaults(t *testing.T) {
	rs := redistest.Start(t)
	wix := wixtest.NewServer()
	defer wix.Close()
	app := redisApp(t, wix, rs.URL, oneCall)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	goroutines := runtime.NumGoroutine()

	// Down at start.
	rs.Stop()
	code, body, took := status(t, browser, app.URL)
	if code != http.StatusServiceUnavailable || took > 3*time.Second || !strings.Contains(body, "session store") {
		t.Errorf("Redis down: %d %q after %v; want a prompt 503 that names the session store", code, body, took)
	}
	rs.Restart()
	t.Logf("Redis back at start: service after %v", recovers(t, browser, app.URL, time.Second))
	session := getBody(t, browser, app.URL)

	// Hung (the process stops answering, its data kept), under parallel load.
	rs.Pause()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slowest time.Duration
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, took := status(t, browser, app.URL)
			mu.Lock()
			defer mu.Unlock()
			if took > slowest {
				slowest = took
			}
			if code != http.StatusServiceUnavailable {
				t.Errorf("Redis hung: status %d, want 503", code)
			}
		}()
	}
	wg.Wait()
	if slowest > 3*time.Second {
		t.Errorf("Redis hung: the slowest of 20 requests took %v, want the read timeout's bound", slowest)
	}
	rs.Resume()
	t.Logf("Redis hung: slowest 503 after %v; service back %v after Redis", slowest, recovers(t, browser, app.URL, time.Second))
	if got := getBody(t, browser, app.URL); got != session {
		t.Errorf("the session did not survive Redis hanging: %.30q, want %.30q", got, session)
	}

	// Down mid-traffic, restarted empty: a new visitor session, no error.
	rs.Stop()
	if code, _, took := status(t, browser, app.URL); code != http.StatusServiceUnavailable || took > 3*time.Second {
		t.Errorf("Redis down mid-traffic: %d after %v", code, took)
	}
	rs.Restart()
	t.Logf("Redis restarted: service back after %v", recovers(t, browser, app.URL, time.Second))

	time.Sleep(100 * time.Millisecond)
	if n := runtime.NumGoroutine(); n > goroutines+10 {
		t.Errorf("goroutines: %d before, %d after the faults", goroutines, n)
	}
}

// Command loadtest puts the example app's wiring (see app.go) under load
// against the wixtest fake, in one process on loopback, and checks that no
// session is lost, no request fails and no goroutine leaks.
//
//	go run ./loadtest                                  # full: 3000 sessions
//	go run -race ./loadtest -sessions 300 -concurrency 16   # the short variant
//
// It mixes new visitors, steady visitors with a cart, visitors whose
// access token is renewed (the fake's tokens live RenewBefore + -renew-after,
// so that a session renews after a short pause), hosted logins through
// Wix's login page, password logins and logouts, all through real
// redirects. It exits 1 if a session is lost, a request fails, the library
// logs an error, goroutines leak, or the run outlasts -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

type runner struct {
	app, wixURL string
	wix         *wixtest.Server
	tr          *http.Transport
	sem         chan struct{} // requests in flight
	stats       *stats
	renewAfter  time.Duration
}

func main() {
	sessions := flag.Int("sessions", 3000, "browsers to simulate")
	concurrency := flag.Int("concurrency", 32, "requests in flight at most")
	renewAfter := flag.Duration("renew-after", 2*time.Second, "how long after issue an access token needs renewal")
	timeout := flag.Duration("timeout", 3*time.Minute, "bound on the whole run")
	flag.Parse()
	if code := run(*sessions, *concurrency, *renewAfter, *timeout); code != 0 {
		os.Exit(code)
	}
}

func run(sessions, concurrency int, renewAfter, timeout time.Duration) int {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	logs := &logCounter{}
	// Tokens live RenewBefore + renewAfter: a session that pauses for
	// renewAfter renews on its next request.
	wix := wixtest.NewServer(wixtest.WithAccessTokenLifetime(wixauth.DefaultRenewBefore + renewAfter))
	appSrv := httptest.NewUnstartedServer(nil)
	// "localhost" for the app, 127.0.0.1 for the fake: two sites for the
	// cookie jars, as the example arranges it.
	appURL := fmt.Sprintf("http://localhost:%d", appSrv.Listener.Addr().(*net.TCPAddr).Port)
	wix.AllowRedirectURI(appURL + "/auth/callback") // as registered in the Wix dashboard
	handler, auth, closeStore, err := newApp(wix.ClientID, wix.URL, appURL, slog.New(logs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		return 2
	}
	var served atomic.Int64 // every request the app answers, redirect hops included
	appSrv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		served.Add(1)
		handler.ServeHTTP(w, req)
	})
	appSrv.Start()

	r := &runner{
		app: appURL, wixURL: wix.URL, wix: wix,
		tr:         &http.Transport{MaxIdleConnsPerHost: concurrency * 2, IdleConnTimeout: 5 * time.Second},
		sem:        make(chan struct{}, concurrency),
		stats:      newStats(),
		renewAfter: renewAfter,
	}
	ready := runtime.NumGoroutine() // the fake and the app, idle
	start := time.Now()
	lost, failed := r.load(ctx, sessions)
	elapsed := time.Since(start)
	timedOut := ctx.Err() != nil
	// Requests must leave nothing behind: no renewal, no connection. Idle
	// keep-alive connections are pooled, not leaked: close them, the
	// browsers' and the app's to Wix.
	r.tr.CloseIdleConnections()
	auth.CloseIdleConnections()
	after := settle(ready)

	wixCalls := len(wix.Requests())
	tokenCalls := map[string]int{}
	for _, g := range []string{"anonymous", "refresh_token", "authorization_code"} {
		tokenCalls[g] = wix.TokenCalls(g)
	}
	appSrv.Close()
	wix.Close()
	closeStore()
	// scs.New's default memstore and stores.Open("memory") each keep a
	// cleanup goroutine for the life of the process, by design (see
	// stores/memory.go): two per app, not per request.
	const perApp = 2
	end := settle(before + perApp)

	r.stats.report(os.Stdout, sessions, concurrency, elapsed, tokenCalls, lost, failed, logs, ready, after)
	fmt.Printf("app requests      %d served (all hops); the fake served %d\n", served.Load(), wixCalls)
	fmt.Printf("goroutines        %d at start, %d after shutting down (%d kept by the memory stores)\n", before, end, perApp)
	code := 0
	for _, bad := range []struct {
		ok  bool
		msg string
	}{
		{len(lost) == 0, fmt.Sprintf("%d sessions lost", len(lost))},
		{failed == 0 && r.stats.errorCount() == 0, fmt.Sprintf("%d requests failed", r.stats.errorCount())},
		{logs.errors.Load() == 0, fmt.Sprintf("the library logged %d errors", logs.errors.Load())},
		{after <= ready, fmt.Sprintf("goroutines leaked by the load: %d before, %d after", ready, after)},
		{end <= before+perApp, fmt.Sprintf("goroutines left after shutdown: %d at start, %d at the end", before, end)},
		{!timedOut, "the run outlasted -timeout " + timeout.String()},
	} {
		if !bad.ok {
			fmt.Println("FAIL:", bad.msg)
			code = 1
		}
	}
	if after > ready || end > before+perApp {
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 1) // what leaked
	}
	if code == 0 {
		fmt.Println("PASS")
	}
	return code
}

// load runs every session's scenario, a bounded number of sessions at a
// time (sleeping ones hold no request slot), and returns the lost ones.
func (r *runner) load(ctx context.Context, sessions int) (lost map[int]string, failed int) {
	lost = map[int]string{}
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(sessions, 512) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				b := r.newBrowser(ctx, n)
				r.scenario(b)
				mu.Lock()
				if b.lost != "" {
					lost[n] = b.lost
				}
				if b.err {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	for n := range sessions {
		if ctx.Err() != nil {
			break
		}
		next <- n
	}
	close(next)
	wg.Wait()
	return lost, failed
}

// scenario picks a session's story from its number, so that runs repeat.
func (r *runner) scenario(b *browser) {
	r.stats.scenario(kindOf(b.n))
	member := func() (string, string) {
		email := fmt.Sprintf("load%d@example.com", b.n)
		r.wix.AddMember(wixtest.Member{Email: email, Password: "pw-" + email})
		return email, "pw-" + email
	}
	switch kindOf(b.n) {
	case "new visitor":
		b.role = "visitor"
		b.session()
	case "steady visitor":
		b.role = "visitor"
		b.session()
		b.add()
		b.checkCart()
		b.checkCart()
		b.session()
	case "renewing visitor":
		b.role = "visitor"
		b.add()
		exp := b.session()
		time.Sleep(r.renewAfter + 500*time.Millisecond)
		b.checkCart() // renews first
		if again := b.session(); again <= exp {
			b.fail("renewal", "the access token was not renewed")
		}
		b.checkCart()
	case "hosted login", "hosted login + logout":
		b.role = "visitor"
		b.add()
		b.checkCart()
		b.hostedLogin(member())
		b.add()
		b.checkCart()
		if kindOf(b.n) == "hosted login + logout" {
			b.logout()
		}
	case "password login", "password login + logout":
		b.role = "visitor"
		b.add()
		b.passwordLogin(member())
		b.add()
		b.checkCart()
		if kindOf(b.n) == "password login + logout" {
			b.logout()
		}
	}
}

func kindOf(n int) string {
	switch p := n % 100; {
	case p < 30:
		return "new visitor"
	case p < 60:
		return "steady visitor"
	case p < 75:
		return "renewing visitor"
	case p < 85:
		return "hosted login"
	case p < 90:
		return "hosted login + logout"
	case p < 95:
		return "password login"
	default:
		return "password login + logout"
	}
}

// settle waits up to 5 s for goroutines to wind down to before.
func settle(before int) int {
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

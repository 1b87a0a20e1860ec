package wiring

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/wixauth/wixauth/wixtest"
)

// StartFake runs wixtest's fake of Wix on a listener of its own at
// 127.0.0.1:<free port>. That is deliberately another site than the app's
// "localhost", so that a browser treats the hosted login page as a
// third-party site, as it does www.wix.com. wrap, if not nil, wraps the
// fake's handler (tests use it to watch what the fake answers). The
// returned function stops it.
func StartFake(wrap func(http.Handler) http.Handler, opts ...wixtest.Option) (*wixtest.Server, func(), error) {
	fake := wixtest.NewUnstartedServer(opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	h := fake.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fake.SetURL("http://" + ln.Addr().String())
	stop := func() {
		fake.Close() // releases requests held by injected faults
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return fake, stop, nil
}

// StartDemo starts the fake Wix for an app run without WIX_CLIENT_ID:
// cfg is pointed at it, the app's callback is registered as it would be in
// the Wix dashboard (so cfg.BaseURL must be set), and the demo account is
// printed. opts are the fake's knobs (WithFrameRedirect sets
// cfg.DemoFrameURL). The returned function stops the fake.
func StartDemo(cfg *Config, opts ...wixtest.Option) (func(), error) {
	fake, stop, err := StartFake(nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded fake Wix: %w", err)
	}
	cfg.ClientID, cfg.APIURL, cfg.APIKey = fake.ClientID, fake.URL, fake.APIKey
	cfg.DemoFrameURL = fake.FrameURL()
	fake.AllowRedirectURI(cfg.BaseURL + "/auth/callback")
	fmt.Printf("WIX_CLIENT_ID is not set: using the embedded fake Wix at %s\n", fake.URL)
	fmt.Printf("Demo account: %s / %s\n", wixtest.DemoEmail, wixtest.DemoPassword)
	return stop, nil
}

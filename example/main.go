// Command example is a small web shop front that uses wixauth: every visitor
// gets Wix visitor tokens kept in a server-side session, can fill a Wix cart,
// and can log in as a site member through Wix's hosted login page or an
// email/password form.
//
//	go run ./example
//
// Configuration comes from the environment:
//
//	ADDR           listen address (default localhost:8080)
//	BASE_URL       the app's public URL (default http:// + ADDR)
//	WIX_CLIENT_ID  the OAuth app's client ID; when unset, an embedded fake
//	               of Wix (package wixtest) is started and used instead
//	WIX_API_URL    the Wix API (default https://www.wixapis.com)
//	WIX_API_KEY    optional API key
//	SESSION_STORE  "memory" (default) or a redis:// URL
//	SESSION_KEYS   optional comma-separated base64 32-byte keys: sessions are
//	               encrypted at rest with the first, opened with any
//	SESSION_MIGRATE_UNTIL  a date (RFC 3339) or a duration (24h): until then,
//	               sessions in older forms (unsealed, scs's gob) are read once
//	               and sealed; outside it they are refused
//	DIRECT_LOGIN   how email/password logins finish: "web_message" (default,
//	               the SDK's hidden iframe) or "redirect" (a top-level trip to
//	               Wix, resting on assumption A1; see handlers.DirectLoginMode)
//	DIRECT_LOGIN_TIMEOUT  how long the web_message page waits for Wix's
//	               frame before it offers to try again (default 30s)
//	DEMO_FRAME_REDIRECT  with the embedded fake only: "allowed" or "blocked"
//	               makes its login frame move to a second origin
//	               (wixtest.WithFrameRedirect), which the page's frame
//	               policy lets through or not (handlers.Config.FrameOrigins)
//	AUTH_GLOBAL_BUDGET  calls a minute that make Wix send mail or create
//	               sessions, for the whole app (default 100, negative: no
//	               limit; see handlers.Budgets)
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wiring"
	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("example: stopped", slog.Any("error", err))
		os.Exit(1)
	}
	log.Info("example: stopped")
}

func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	addr := env("ADDR", "localhost:8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	cfg := appConfig{
		Config: wiring.Config{
			BaseURL:      env("BASE_URL", defaultBaseURL(addr, ln.Addr())),
			ClientID:     env("WIX_CLIENT_ID", ""),
			APIURL:       env("WIX_API_URL", wixauth.DefaultAPIURL),
			APIKey:       env("WIX_API_KEY", ""),
			SessionStore: env("SESSION_STORE", "memory"),
			SessionKeys:  os.Getenv("SESSION_KEYS"),
			Logger:       log,
		},
		DirectLogin: os.Getenv("DIRECT_LOGIN"),
	}
	if v := env("SESSION_MIGRATE_UNTIL", ""); v != "" {
		if cfg.SessionMigrateUntil, err = migrateUntil(v, time.Now()); err != nil {
			return err
		}
	}
	if v := env("AUTH_GLOBAL_BUDGET", ""); v != "" {
		if cfg.GlobalBudget, err = strconv.Atoi(v); err != nil || cfg.GlobalBudget == 0 {
			return fmt.Errorf("AUTH_GLOBAL_BUDGET must be a number of calls a minute (a negative one for no limit), not %q", v)
		}
	}

	if v := env("DIRECT_LOGIN_TIMEOUT", ""); v != "" {
		if cfg.DirectLoginTimeout, err = time.ParseDuration(v); err != nil || cfg.DirectLoginTimeout <= 0 {
			return fmt.Errorf("DIRECT_LOGIN_TIMEOUT must be a duration such as 30s, not %q", v)
		}
	}
	if cfg.ClientID == "" {
		var opts []wixtest.Option
		frame := env("DEMO_FRAME_REDIRECT", "")
		switch frame {
		case "":
		case "allowed", "blocked":
			opts = append(opts, wixtest.WithFrameRedirect())
		default:
			return fmt.Errorf("DEMO_FRAME_REDIRECT must be \"allowed\" or \"blocked\", not %q", frame)
		}
		stopFake, err := wiring.StartDemo(&cfg.Config, opts...)
		if err != nil {
			return err
		}
		if frame == "allowed" {
			cfg.FrameOrigins = append([]string{cfg.DemoFrameURL}, handlers.DefaultFrameOrigins...)
		}
		defer stopFake()
		cfg.DemoAccount = true
	}

	handler, cleanup, err := newApp(cfg)
	if err != nil {
		return err
	}
	defer cleanup()

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("Listening on %s\n", cfg.BaseURL)
	log.Info("example: listening", slog.String("url", cfg.BaseURL), slog.String("addr", ln.Addr().String()))

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		log.Info("example: shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// migrateUntil reads SESSION_MIGRATE_UNTIL: a date (RFC 3339, such as
// 2026-12-06T12:00:00Z), or a duration from now (such as 24h), which
// starts again at each restart: prefer the date.
func migrateUntil(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, fmt.Errorf("SESSION_MIGRATE_UNTIL must be a date such as 2026-12-06T12:00:00Z or a duration such as 24h, not %q", v)
}

// env returns the environment variable, trimmed, or def when it is empty.
func env(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// defaultBaseURL is http:// + ADDR, with "localhost" for an address that
// names no host (":8080", "0.0.0.0:8080") and the real port when ADDR asked
// for any free one (":0").
func defaultBaseURL(addr string, bound net.Addr) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if tcp, ok := bound.(*net.TCPAddr); ok && (port == "" || port == "0") {
		port = fmt.Sprint(tcp.Port)
	}
	return "http://" + net.JoinHostPort(host, port)
}

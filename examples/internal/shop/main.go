package shop

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wiring"
)

// New wires wixauth as every example does (internal/wiring: the session
// store, the codec, the Auth, the member handlers under /auth) and returns
// the Shop and its Auth, and a function that releases the session store.
func New(cfg wiring.Config) (*Shop, *wixauth.Auth, func(), error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	app, err := wiring.New(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return &Shop{Members: app.Members, BaseURL: cfg.BaseURL, Log: cfg.Logger}, app.Auth, app.Close, nil
}

// Main runs a router example: it reads ADDR (default localhost:8080),
// BASE_URL, WIX_CLIENT_ID, WIX_API_URL, SESSION_STORE and SESSION_KEYS as
// the ServeMux example does, starts wixtest's fake of Wix when
// WIX_CLIENT_ID is unset, and serves the handler routes builds.
func Main(routes func(*Shop, *wixauth.Auth) http.Handler) {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, routes); err != nil {
		log.Error("stopped", slog.Any("error", err))
		os.Exit(1)
	}
}

func run(log *slog.Logger, routes func(*Shop, *wixauth.Auth) http.Handler) error {
	addr := getenv("ADDR", "localhost:8080")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	cfg := wiring.Config{
		// localhost, not 127.0.0.1: the fake Wix is on 127.0.0.1, and a
		// browser must see two sites, as it does the app and www.wix.com.
		BaseURL:      getenv("BASE_URL", fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)),
		ClientID:     os.Getenv("WIX_CLIENT_ID"),
		APIURL:       os.Getenv("WIX_API_URL"),
		SessionStore: os.Getenv("SESSION_STORE"),
		SessionKeys:  os.Getenv("SESSION_KEYS"),
		Logger:       log,
	}
	if cfg.ClientID == "" {
		stopFake, err := wiring.StartDemo(&cfg)
		if err != nil {
			return err
		}
		defer stopFake()
	}
	s, auth, closeStore, err := New(cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	fmt.Printf("Listening on %s\n", cfg.BaseURL)
	srv := &http.Server{Handler: routes(s, auth), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

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
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Config is what New needs.
type Config struct {
	BaseURL  string // the app's public origin; required
	ClientID string
	APIURL   string // "" for Wix itself
	Logger   *slog.Logger
}

// New builds the Auth (default session manager: in memory) and the member
// handlers under /auth, and the Shop around them.
func New(cfg Config) (*Shop, *wixauth.Auth, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	auth, err := wixauth.New(wixauth.Config{ClientID: cfg.ClientID, APIURL: cfg.APIURL, BaseURL: cfg.BaseURL, Logger: cfg.Logger})
	if err != nil {
		return nil, nil, err
	}
	members, err := handlers.New(auth, handlers.Config{Prefix: "/auth"})
	if err != nil {
		return nil, nil, err
	}
	return &Shop{Members: members, BaseURL: cfg.BaseURL, Log: cfg.Logger}, auth, nil
}

// Main runs a router example: it reads ADDR (default localhost:8080),
// BASE_URL, WIX_CLIENT_ID and WIX_API_URL, starts wixtest's fake of Wix
// when WIX_CLIENT_ID is unset, and serves the handler routes builds.
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
	cfg := Config{BaseURL: getenv("BASE_URL", "http://"+ln.Addr().String()), ClientID: os.Getenv("WIX_CLIENT_ID"), APIURL: os.Getenv("WIX_API_URL"), Logger: log}
	if cfg.ClientID == "" {
		wix := wixtest.NewServer()
		defer wix.Close()
		cfg.ClientID, cfg.APIURL = wix.ClientID, wix.URL
		wix.AllowRedirectURI(cfg.BaseURL + "/auth/callback") // as registered in the Wix dashboard
		fmt.Printf("WIX_CLIENT_ID is not set: using a fake Wix at %s; demo account %s / %s\n", wix.URL, wixtest.DemoEmail, wixtest.DemoPassword)
	}
	s, auth, err := New(cfg)
	if err != nil {
		return err
	}
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

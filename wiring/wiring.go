// Package wiring sets wixauth up from what an app reads from its
// environment, in one call: the session store from a URL (package
// stores), the session manager (sealed with keys when given, a migration
// when asked), the Auth, and the member handlers with the store's counter,
// so that their budgets hold across instances. Each app then adds only its
// routes. The example app (example/) and the chi and gorilla/mux examples
// use it; an app may as well, or copy its few lines (wiring.go), which use
// the public packages only. StartFake and StartDemo run the fake Wix for
// demos and tests.
package wiring

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
)

// Config is what an app reads from its environment.
type Config struct {
	BaseURL      string // the app's public origin, such as "http://localhost:8080"; required
	ClientID     string // the Wix OAuth app's client ID
	APIURL       string // the Wix API base URL ("" for Wix itself)
	APIKey       string // optional Wix API key
	SessionStore string // "memory" (the default) or a redis:// URL, for stores.Open
	SessionKeys  string // optional comma-separated base64 AES-256 keys: sessions sealed at rest
	// SessionMigrateUntil opens a migration of sessions in older forms
	// until then (session.Options.MigrateUntil); zero: none.
	SessionMigrateUntil time.Time
	Logger              *slog.Logger
	// DemoFrameURL is set by StartDemo with wixtest.WithFrameRedirect: the
	// fake's second origin, which its direct-login frame moves to.
	DemoFrameURL string

	// Auth and Handlers, if set, change the wixauth.Config and the
	// handlers.Config before they are used.
	Auth     func(*wixauth.Config)
	Handlers func(*handlers.Config)
}

// App is the wired wixauth of one app.
type App struct {
	Auth    *wixauth.Auth
	Members *handlers.Handlers // mounted under /auth
	store   *stores.Store
	log     *slog.Logger
}

// New opens the session store and builds the Auth and the member handlers.
// Close releases the store.
func New(cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("wiring: BaseURL is empty: set BASE_URL to the app's public origin")
	}
	if cfg.SessionStore == "" {
		cfg.SessionStore = "memory"
	}
	st, err := stores.Open(cfg.SessionStore)
	if err != nil {
		return nil, err
	}
	a := &App{store: st, log: cfg.Logger}
	if err := a.build(cfg); err != nil {
		a.Close()
		return nil, err
	}
	cfg.Logger.Info("wiring: session store", slog.String("store", st.String()))
	return a, nil
}

func (a *App) build(cfg Config) error {
	keys, err := session.ParseKeys(cfg.SessionKeys)
	if err != nil {
		return err
	}
	// One field wires the store: store keys hashed, sessions sealed to
	// their key when keys are given, the cookie HttpOnly, SameSite=Lax and,
	// over https, Secure with the "__Host-" prefix; over Redis the
	// instances also renew each session once between them.
	acfg := wixauth.Config{
		ClientID: cfg.ClientID,
		APIURL:   cfg.APIURL,
		APIKey:   cfg.APIKey,
		BaseURL:  cfg.BaseURL,
		Store:    a.store.Sessions,
		Keys:     keys,
		Logger:   cfg.Logger,
	}
	if !cfg.SessionMigrateUntil.IsZero() {
		// A migration is an option of the manager: build it here; New
		// still finds the coordinator through its store.
		sm, err := session.New(session.Options{Store: a.store.Sessions, Keys: keys, BaseURL: cfg.BaseURL, Logger: cfg.Logger,
			MigrateUntil: cfg.SessionMigrateUntil})
		if err != nil {
			return err
		}
		acfg.Store, acfg.Keys, acfg.Sessions = nil, nil, sm
	}
	if cfg.Auth != nil {
		cfg.Auth(&acfg)
	}
	if a.Auth, err = wixauth.New(acfg); err != nil {
		return err
	}
	hcfg := handlers.Config{Prefix: "/auth", Counter: a.store.Counter()} // attempt caps and budgets across instances
	if cfg.Handlers != nil {
		cfg.Handlers(&hcfg)
	}
	if a.Members, err = handlers.New(a.Auth, hcfg); err != nil {
		return fmt.Errorf("wiring: %w", err)
	}
	return nil
}

// Close releases the session store.
func (a *App) Close() {
	if err := a.store.Close(); err != nil {
		a.log.Warn("wiring: closing the session store", slog.Any("error", err))
	}
}

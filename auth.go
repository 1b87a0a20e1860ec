package wixauth

import (
	"errors"
	"net/http"
	"sync"

	"github.com/wixauth/wixauth/internal/limit"
	"github.com/wixauth/wixauth/internal/renew"
	"github.com/wixauth/wixauth/session"
)

// Auth keeps Wix tokens in server-side sessions and hands handlers an
// authenticated Client. Create one with New and share it: it is safe for
// concurrent use.
type Auth struct {
	cfg   Config
	store *session.Store // cfg.Sessions.Store

	// Renewal (see renewal.go).
	share   renew.Share[Tokens] // one renewal per process
	failing failingSince        // since when each failing refresh token fails

	// New visitors (see newvisitor.go).
	anonymous renew.Gate   // back-off of the anonymous grant, shared by all new visitors
	visitors  limit.Budget // new visitors per client address

	unsaved unsavedRoutes // routes whose tokens changed too late (middleware.go)
}

// New checks cfg, fills in its defaults and returns an Auth. It never
// changes cfg.Sessions: a manager that does not meet wixauth's needs (see
// Config.Sessions) is an error that says what to change.
//
// The session store is wired in one place: the sessions live in
// Config.Store (sealed with Config.Keys), or in the store of the manager
// given as Config.Sessions; when that store also coordinates renewals (it
// has the methods of Coordinator, as the Redis store of package stores
// does), it is the Coordinator too, unless Config.Coordinator names one.
func New(cfg Config) (*Auth, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Sessions == nil {
		if cfg.Sessions, err = session.New(session.Options{Store: cfg.Store, Keys: cfg.Keys, BaseURL: cfg.BaseURL, Logger: cfg.Logger}); err != nil {
			return nil, err
		}
	} else if cfg.Store != nil || cfg.Keys != nil {
		return nil, errors.New("wixauth: Config.Sessions and Config.Store (or Keys) are both set: give the store and keys once, either to wixauth.Config or to session.New")
	}
	st, err := session.Check(cfg.Sessions, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if co, ok := st.Backend().(Coordinator); ok && cfg.Coordinator == nil {
		cfg.Coordinator = co
	}
	a := &Auth{cfg: cfg, store: st}
	// Every refusal is reported, whichever ErrorHandler answers it, so that
	// metrics count them without wrapping the default handler.
	answer := a.cfg.ErrorHandler
	a.cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		a.emit(r.Context(), Event{Kind: EventRequestRefused, Err: err})
		answer(w, r, err)
	}
	a.share.Init(a.backoffFor)
	a.visitors.Init(cfg.NewVisitorsPerMinute)
	return a, nil
}

// Config returns the Auth's configuration with its defaults filled in:
// the client ID, API URL, base URL, logger, clock, HTTP client and session
// manager that the flows of the packages identity, oauth and redirects,
// and the handlers, work with. Changing the copy changes nothing.
func (a *Auth) Config() Config { return a.cfg }

var (
	defaultMu   sync.Mutex
	defaultAuth *Auth
)

// Default returns the Auth used by the package-level Middleware, configured
// from the environment (see ConfigFromEnv) on first use. It panics with the
// configuration error if the environment does not describe a valid Auth,
// because a server that cannot reach Wix should fail at start, not on every
// request. Call SetDefault first to configure it in code instead.
func Default() *Auth {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultAuth == nil {
		a, err := New(ConfigFromEnv())
		if err != nil {
			panic(err)
		}
		defaultAuth = a
	}
	return defaultAuth
}

// SetDefault makes a the Auth used by the package-level Middleware.
func SetDefault(a *Auth) {
	defaultMu.Lock()
	defaultAuth = a
	defaultMu.Unlock()
}

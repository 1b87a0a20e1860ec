package main

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wiring"
	"github.com/wixauth/wixauth/wixtest"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// appConfig is everything newApp needs; main fills it from the environment.
type appConfig struct {
	wiring.Config        // Wix, the session store and keys, the logger
	DemoAccount   bool   // the embedded fake is in use: show its demo account
	DirectLogin   string // how form logins finish: "web_message" (default) or "redirect"
	// FrameOrigins and DirectLoginTimeout, if set, are the handlers'
	// (the e2e test's frame redirect).
	FrameOrigins       []string
	DirectLoginTimeout time.Duration
	GlobalBudget       int // handlers.Budgets.Global per minute (AUTH_GLOBAL_BUDGET); 0: the default
}

// app holds what the page and API handlers share.
type app struct {
	auth    *wixauth.Auth
	members *handlers.Handlers
	base    string // the app's public origin
	log     *slog.Logger
	demo    bool
	pages   map[string]*template.Template
	cop     *http.CrossOriginProtection // for the app's own POST endpoints
}

// newApp wires the app: the session store and manager, the wixauth
// middleware and the member handlers (package wiring), then the app's own
// routes. It returns the handler and a function that releases the session
// store.
func newApp(cfg appConfig) (http.Handler, func(), error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, nil, err
	}
	a := &app{log: cfg.Logger, demo: cfg.DemoAccount, pages: pages, base: cfg.BaseURL}
	wc := cfg.Config
	wc.Auth = func(c *wixauth.Config) {
		c.Skip = skipped
		c.ErrorHandler = a.noTokens
		c.OnLogin = a.addCarriedItems // the visitor's cart follows the login (cartcarry.go)
	}
	wc.Handlers = func(c *handlers.Config) {
		c.FormPath = "/login" // the app's own page (pages.go), reading the outcome with Outcome
		c.Respond = a.respond
		c.DirectLogin = handlers.DirectLoginMode(cfg.DirectLogin)
		c.FrameOrigins = cfg.FrameOrigins
		c.DirectLoginTimeout = cfg.DirectLoginTimeout
		if cfg.GlobalBudget != 0 {
			c.Budgets.Global.N = cfg.GlobalBudget
		}
	}
	w, err := wiring.New(wc)
	if err != nil {
		return nil, nil, err
	}
	a.auth, a.members = w.Auth, w.Members

	a.cop = http.NewCrossOriginProtection()
	a.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, http.StatusForbidden, "Cross-origin request refused: this form must be posted from the site itself.")
	}))
	post := func(h http.HandlerFunc) http.Handler { return a.cop.Handler(h) }

	mux := http.NewServeMux()
	mux.Handle("/auth/", a.members) // login, callback, logout, ...
	// Where the handlers' logins complete: the callback (Wix's pages, the
	// redirect finish) and the web_message finish's handoff.
	mux.Handle("GET /auth/callback", a.carryCart(a.members))
	mux.Handle("POST /auth/direct-login", a.carryCart(a.members))
	mux.HandleFunc("GET /{$}", a.home)
	mux.Handle("POST /cart/add", post(a.cartAdd))
	mux.Handle("POST /checkout", post(a.checkout))
	mux.HandleFunc("GET /login", a.login)
	mux.Handle("GET /account", a.members.RequireMember(http.HandlerFunc(a.account)))
	mux.HandleFunc("GET /api/session", a.apiSession)
	mux.HandleFunc("GET /api/cart", a.apiCart)
	mux.Handle("POST /api/cart", post(a.apiCartAdd))
	mux.Handle("POST /api/checkout", post(a.apiCheckout))
	mux.Handle("GET /api/me", a.members.RequireMemberAPI(http.HandlerFunc(a.apiMe)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok"))
	})
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	return securityHeaders(a.auth.Middleware(mux)), w.Close, nil
}

// skipped requests get no session and no tokens: health checks and static
// files must not spend Wix's rate limit on new visitor tokens.
func skipped(r *http.Request) bool {
	return r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/")
}

// securityHeaders sets headers every answer should carry. There is no
// form-action directive: the login and logout forms end on Wix's pages.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

func parseTemplates() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"home", "login", "account", "error"} {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/cart.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// noTokens is the middleware's ErrorHandler: Wix could not give the request
// valid tokens (unreachable, rate limited, or the session store is down).
func (a *app) noTokens(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("example: no valid Wix tokens for the request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	retry := 5 * time.Second
	var ae *wixauth.APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		retry = ae.RetryAfter
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(retry.Round(time.Second)/time.Second)))
	msg := "Wix is unavailable right now. Please try again in a moment."
	var se *wixauth.StoreError
	if errors.As(err, &se) {
		msg = "Your session could not be loaded right now. Please try again in a moment."
	}
	a.fail(w, r, http.StatusServiceUnavailable, msg)
}

// respond is the member handlers' Respond: it renders failures that have
// nowhere to go (a broken callback, Wix failing) as the app's error page,
// and leaves redirects and JSON answers to the default.
func (a *app) respond(w http.ResponseWriter, r *http.Request, res handlers.Result) {
	if handlers.WantsJSON(r) || res.Redirect != "" || res.Status < 400 {
		handlers.DefaultRespond(w, r, res)
		return
	}
	a.renderError(w, r, res.Status, res.Error)
}

// wixFailed answers a Wix call that failed: the details (with Wix's request
// ID, never a token) go to the log, the browser gets a short message.
func (a *app) wixFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.log.Error("example: Wix call failed", slog.String("call", what),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	a.fail(w, r, http.StatusBadGateway, fmt.Sprintf("Wix could not %s right now. Please try again in a moment.", what))
}

// fail answers an error as JSON to API calls and as the error page otherwise.
func (a *app) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || handlers.WantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	a.renderError(w, r, status, msg)
}

func (a *app) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	a.render(w, r, status, "error", &pageData{Title: http.StatusText(status), Message: msg})
}

// demoHint is shown when the embedded fake stands in for Wix.
type demoHint struct{ Email, Password string }

func (a *app) demoHint() *demoHint {
	if !a.demo {
		return nil
	}
	return &demoHint{wixtest.DemoEmail, wixtest.DemoPassword}
}

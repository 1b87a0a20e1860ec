// Package benchapp builds the minimal apps that bench/ measures, so that the
// go test benchmarks and the loopback servers (bench/cmd/benchserver) measure
// exactly the same code:
//
//   - floor: scs LoadAndSave with scs's default gob codec, holding a session
//     of token-sized values (access token, refresh token, expiry) that the
//     handler reads. It is what any scs app pays per request; wixauth cannot
//     cost less than this with the same codec.
//   - floor-bytes: the same, holding one []byte of the size of wixauth's
//     token record instead of three values: the floor with exactly the
//     session wixauth keeps, so the difference is the middleware's own work.
//   - floor-codec: floor-bytes with session.Codec instead of gob: the
//     floor of the default config, without gob's cost in both.
//   - wixauth: Auth.Middleware with a session holding valid Wix tokens; the
//     handler reads them with FromRequest(r).Tokens(). Variants differ only in
//     the scs codec: session.Codec (the default config), scs's gob codec, and
//     session.Codec with AES-GCM.
//
// Every app is the same http.ServeMux with one route, GET /, answering "ok".
package benchapp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

// Impl names an app under test.
type Impl string

// The apps.
const (
	Floor         Impl = "floor"          // scs LoadAndSave, gob codec
	FloorBytes    Impl = "floor-bytes"    // the same with one []byte value of the record's size
	FloorCodec    Impl = "floor-codec"    // floor-bytes with session.Codec
	Wixauth       Impl = "wixauth"        // wixauth middleware, default config (session.Codec)
	WixauthGob    Impl = "wixauth-gob"    // wixauth middleware, scs manager with gob codec
	WixauthSealed Impl = "wixauth-sealed" // wixauth middleware, session.Codec with an AES-GCM key
	Limit         Impl = "limit"          // a bare handler: one map read, or one Redis GET
)

// Impls lists the apps in the order the tables show them; the floor is
// first, the base of every ratio.
var Impls = []Impl{Floor, FloorBytes, FloorCodec, Wixauth, WixauthGob, WixauthSealed}

// HotPathImpls are the apps of the hot-path figures: Impls and the limit
// (which holds no session, so the memory figures leave it out).
var HotPathImpls = append(Impls[:len(Impls):len(Impls)], Limit)

// The session keys of the floor's token-sized values.
const (
	FloorAccessKey  = "wix.access"
	FloorRefreshKey = "wix.refresh"
	FloorExpiresKey = "wix.expires"
	FloorRecordKey  = "wix.record" // floor-bytes
)

// sealKey is a fixed AES-256 key for the sealed variant (benchmarks only).
var sealKey = []byte("wixauth-bench-key-32-bytes-long!")

var okBody = []byte("ok")

// App is one app under test with one seeded, steady-state session.
type App struct {
	Impl     Impl
	Handler  http.Handler
	Sessions *scs.SessionManager
	Auth     *wixauth.Auth // nil for the floor
	// Cookie is the session cookie of a seeded session with valid tokens.
	Cookie *http.Cookie
	// Access and Refresh are the token strings held by that session.
	Access, Refresh string
}

// Quiet is a logger that drops everything.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// New builds impl with its sessions in store (nil: a new in-memory store,
// and for Wixauth the library's default config untouched) against the fake
// wix, and seeds one session.
func New(impl Impl, store scs.Store, wix *wixtest.Server, opts ...Option) (*App, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	app := &App{Impl: impl}
	mux := http.NewServeMux()
	switch impl {
	case Floor:
		sm := scs.New() // gob codec
		if store != nil {
			sm.Store = store
		}
		app.Sessions = sm
		mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if sm.GetString(ctx, FloorAccessKey) == "" || sm.GetString(ctx, FloorRefreshKey) == "" || sm.GetInt64(ctx, FloorExpiresKey) == 0 {
				http.Error(w, "no tokens", http.StatusInternalServerError)
				return
			}
			w.Write(okBody)
		})
		app.Handler = sm.LoadAndSave(mux)
		if err := app.seedFloor(wix); err != nil {
			return nil, err
		}
		return app, nil
	case FloorBytes, FloorCodec:
		sm := scs.New() // gob codec
		if impl == FloorCodec {
			sm.Codec = &session.Codec{}
		}
		if store != nil {
			sm.Store = store
		}
		app.Sessions = sm
		mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			if b, _ := sm.Get(r.Context(), FloorRecordKey).([]byte); len(b) == 0 {
				http.Error(w, "no tokens", http.StatusInternalServerError)
				return
			}
			w.Write(okBody)
		})
		app.Handler = sm.LoadAndSave(mux)
		if err := app.seedFloor(wix); err != nil {
			return nil, err
		}
		return app, nil
	case Limit:
		if err := app.limit(mux, store, wix, o); err != nil {
			return nil, err
		}
		app.Handler = mux
		return app, nil
	case Wixauth, WixauthGob, WixauthSealed:
	default:
		return nil, fmt.Errorf("benchapp: unknown impl %q (want one of %v)", impl, Impls)
	}

	cfg := wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Logger: Quiet(), HTTPClient: o.httpClient}
	if impl != Wixauth || store != nil {
		opts := session.Options{Store: store, Logger: Quiet()}
		switch impl {
		case WixauthGob:
			opts.Codec = scs.GobCodec{}
		case WixauthSealed:
			opts.Keys = [][]byte{sealKey}
		}
		sm, err := session.New(opts)
		if err != nil {
			return nil, err
		}
		cfg.Sessions = sm
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		return nil, err
	}
	app.Auth, app.Sessions = a, a.Config().Sessions
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		t := wixauth.FromRequest(r).Tokens()
		if t.AccessToken.Value == "" || t.RefreshToken.Value == "" || t.AccessToken.ExpiresAt == 0 {
			http.Error(w, "no tokens", http.StatusInternalServerError)
			return
		}
		w.Write(okBody)
	})
	app.Handler = a.Middleware(mux)
	c, err := app.NewVisitor()
	if err != nil {
		return nil, err
	}
	app.Cookie = c
	t, err := app.TokensOf(c)
	if err != nil {
		return nil, err
	}
	app.Access, app.Refresh = t.AccessToken.Value, t.RefreshToken.Value
	return app, nil
}

// Option adjusts a wixauth app.
type Option func(*options)

type options struct {
	httpClient  *http.Client
	redis       *redis.Pool
	redisPrefix string
}

// WithRedis gives the limit app the Redis pool of the store (stores.Open's
// Store.Redis and Store.Prefix), so that its one GET runs on the same pool
// settings as the library's; other apps ignore it.
func WithRedis(pool *redis.Pool, prefix string) Option {
	return func(o *options) { o.redis, o.redisPrefix = pool, prefix }
}

// WithHTTPClient sets Config.HTTPClient (the default config's client
// otherwise).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// limit builds the limit app on mux: the least a server can do to answer
// the same request from a server-side session. It seeds a wixauth session
// first (on the same store) so that the cookie and the value it reads have
// the size of the library's; its own entry is keyed by the cookie's value.
func (app *App) limit(mux *http.ServeMux, store scs.Store, wix *wixtest.Server, o options) error {
	w, err := New(Wixauth, store, wix)
	if err != nil {
		return err
	}
	app.Sessions, app.Cookie, app.Access, app.Refresh = w.Sessions, w.Cookie, w.Access, w.Refresh
	name, key := w.Cookie.Name, session.Key(w.Cookie.Value)
	fail := func(w http.ResponseWriter) { http.Error(w, "no session", http.StatusInternalServerError) }
	if store == nil {
		val, found, err := w.Sessions.Store.Find(w.Cookie.Value) // the Store hashes it
		if err != nil || !found {
			return fmt.Errorf("benchapp: limit: the seeded session is not in the store (found %v): %v", found, err)
		}
		var mu sync.RWMutex
		items := map[string][]byte{w.Cookie.Value: val}
		mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(name)
			if err != nil {
				fail(w)
				return
			}
			mu.RLock()
			v := items[c.Value]
			mu.RUnlock()
			if len(v) == 0 {
				fail(w)
				return
			}
			w.Write(okBody)
		})
		return nil
	}
	pool := o.redis
	if pool == nil {
		return errors.New("benchapp: the limit app over Redis needs WithRedis (the store's pool)")
	}
	conn := pool.Get()
	val, err := redis.Bytes(conn.Do("GET", o.redisPrefix+key))
	if err == nil {
		_, err = conn.Do("SET", o.redisPrefix+"limit:"+w.Cookie.Value, val, "EX", 86400)
	}
	conn.Close()
	if err != nil {
		return fmt.Errorf("benchapp: limit: seeding Redis: %w", err)
	}
	prefix := o.redisPrefix + "limit:"
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(name)
		if err != nil {
			fail(w)
			return
		}
		conn, err := pool.GetContext(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		v, err := redis.Bytes(conn.Do("GET", prefix+c.Value))
		conn.Close()
		if err != nil || len(v) == 0 {
			fail(w)
			return
		}
		w.Write(okBody)
	})
	return nil
}

// seedFloor stores a token set from the fake in a new floor session.
func (app *App) seedFloor(wix *wixtest.Server) error {
	sm := app.Sessions
	app.Access, app.Refresh = wix.IssueVisitorTokens()
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		return err
	}
	expires := time.Now().Add(wixtest.DefaultAccessTokenLifetime).Unix()
	if app.Impl == FloorBytes || app.Impl == FloorCodec {
		// The size of wixauth's record: version, expiry, and the
		// length-prefixed access token, refresh token and role.
		rec := make([]byte, 0, 16+len(app.Access)+len(app.Refresh))
		rec = append(rec, 1)
		rec = binary.AppendVarint(rec, expires)
		for _, s := range []string{app.Access, app.Refresh, "visitor", ""} {
			rec = binary.AppendUvarint(rec, uint64(len(s)))
			rec = append(rec, s...)
		}
		sm.Put(ctx, FloorRecordKey, rec)
	} else {
		sm.Put(ctx, FloorAccessKey, app.Access)
		sm.Put(ctx, FloorRefreshKey, app.Refresh)
		sm.Put(ctx, FloorExpiresKey, expires)
	}
	token, _, err := sm.Commit(ctx)
	if err != nil {
		return err
	}
	app.Cookie = &http.Cookie{Name: sm.Cookie.Name, Value: token}
	return nil
}

// NewVisitor sends one request without a cookie through a wixauth app, as a
// new browser would (visitor tokens from the fake, one session write), and
// returns the session cookie it was given.
func (app *App) NewVisitor() (*http.Cookie, error) {
	if app.Auth == nil {
		return nil, errors.New("benchapp: NewVisitor needs a wixauth app")
	}
	rec := httptest.NewRecorder()
	app.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("benchapp: new visitor: %d %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == app.Sessions.Cookie.Name {
			return &http.Cookie{Name: c.Name, Value: c.Value}, nil
		}
	}
	return nil, errors.New("benchapp: new visitor: no session cookie in the answer")
}

// TokensOf returns the tokens of the wixauth session of cookie c, read by a
// request through the same Auth's middleware (so valid tokens are returned
// as they are, without a store write).
func (app *App) TokensOf(c *http.Cookie) (wixauth.Tokens, error) {
	var t wixauth.Tokens
	err := app.side(c, func(cl *wixauth.Client) { t = cl.Tokens() })
	return t, err
}

// SetTokens replaces the tokens of the wixauth session of cookie c with t,
// as a handler calling Client.SetTokens does (for seeding expired tokens).
func (app *App) SetTokens(c *http.Cookie, t wixauth.Tokens) error {
	return app.side(c, func(cl *wixauth.Client) { cl.SetTokens(t) })
}

// side runs f in a request of cookie c through app's Auth, outside the
// measured mux.
func (app *App) side(c *http.Cookie, f func(*wixauth.Client)) error {
	if app.Auth == nil {
		return errors.New("benchapp: needs a wixauth app")
	}
	h := app.Auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f(wixauth.FromRequest(r))
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("benchapp: %d %s", rec.Code, rec.Body)
	}
	return nil
}

// Discard is a reusable http.ResponseWriter that keeps only the status, so
// that the benchmarks measure the middleware rather than a recorder.
type Discard struct {
	H    http.Header
	Code int
	N    int
}

// NewDiscard returns an empty Discard.
func NewDiscard() *Discard { return &Discard{H: make(http.Header, 4)} }

// Header implements http.ResponseWriter.
func (w *Discard) Header() http.Header { return w.H }

// WriteHeader implements http.ResponseWriter.
func (w *Discard) WriteHeader(code int) {
	if w.Code == 0 {
		w.Code = code
	}
}

// Write implements http.ResponseWriter.
func (w *Discard) Write(b []byte) (int, error) {
	if w.Code == 0 {
		w.Code = http.StatusOK
	}
	w.N += len(b)
	return len(b), nil
}

// Reset empties w for the next request, keeping its header map.
func (w *Discard) Reset() {
	clear(w.H)
	w.Code, w.N = 0, 0
}

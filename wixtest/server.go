package wixtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults and the demo member every new Server starts with.
const (
	DefaultClientID = "wixtest-client-id"
	DefaultAPIKey   = "wixtest-api-key"
	DemoEmail       = "demo@example.com"
	DemoPassword    = "wix-demo-password"
	DemoNickname    = "Demo Member"
)

// DefaultAccessTokenLifetime is how long access tokens live unless
// WithAccessTokenLifetime says otherwise; it matches Wix (expires_in 14400).
const DefaultAccessTokenLifetime = 4 * time.Hour

// Request bodies beyond this are cut; no real Wix call comes close.
const maxBodyBytes = 1 << 20

// Server is a running fake of Wix's API, in the spirit of httptest.Server.
// Both www.wixapis.com and edge.wixapis.com paths are served at URL, and the
// hosted pages (login, logout, checkout) live there too.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:12345, with no trailing slash.
	URL string
	// ClientID is the only OAuth client ID the fake accepts.
	ClientID string
	// APIKey is the key the authorized_client grant accepts.
	APIKey string

	accessLifetime  time.Duration
	refreshLifetime time.Duration
	clock           func() time.Time
	offset          atomic.Int64 // nanoseconds added to clock by Advance
	anyRedirectURI  bool

	// Knobs (knobs.go), set by Options before the server starts.
	directLoginQuery DirectLoginQuery
	frameRedirect    bool
	refusal          Refusal
	signOnNoRefresh  bool
	numbersAsStrings bool
	fullURLQuery     bool
	frameTS          *httptest.Server
	frameURL         string

	handler   http.Handler
	ts        *httptest.Server
	closed    chan struct{}
	closeOnce sync.Once

	// mu guards all the state below; handlers hold it only briefly and never
	// while waiting, so Hang and Delay faults do not block other requests.
	mu            sync.Mutex
	baseURL       string
	autoLogin     string
	redirectURIs  map[string]bool    // the OAuth app's allowed redirect URIs
	members       map[string]*Member // by lower-cased email
	membersByID   map[string]*Member
	contactIDs    map[string]string // member ID -> contact ID
	access        map[string]*accessToken
	refresh       map[string]*refreshToken
	sessionTokens map[string]*sessionToken
	stateTokens   map[string]*stateToken
	lastCodes     map[string]string // lower-cased email -> last verification code
	resetEmails   []string
	redirects     map[string]*redirectSession
	shortLinks    map[string]string // short ID -> redirect session ID
	codes         map[string]*authCode
	carts         map[string]*cart // by identity (visitor or member ID)
	checkouts     map[string]*Checkout
	faults        map[Endpoint][]*activeFault

	logMu sync.Mutex
	log   []*Request
}

// Option configures a Server in NewServer or NewUnstartedServer.
type Option func(*Server)

// WithClientID sets the OAuth client ID the fake accepts (default DefaultClientID).
func WithClientID(id string) Option { return func(s *Server) { s.ClientID = id } }

// WithAPIKey sets the API key the authorized_client grant accepts (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// WithAccessTokenLifetime sets the lifetime of access tokens, and so the
// expires_in of the token endpoint (default 4h, as on Wix).
func WithAccessTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.accessLifetime = d }
}

// WithRefreshTokenLifetime makes refresh tokens expire d after they were
// issued. Wix documents no lifetime, so by default they never expire.
func WithRefreshTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.refreshLifetime = d }
}

// WithClock replaces time.Now as the fake's clock. Advance still adds its
// offset on top.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithAutoLogin makes the hosted login page approve the member with that
// email at once, without showing the form. See also SetAutoLogin.
func WithAutoLogin(email string) Option { return func(s *Server) { s.autoLogin = email } }

// WithRedirectURIs adds to the OAuth app's allowed redirect URIs, like the
// list of a Wix OAuth app in the dashboard: an auth request whose
// redirectUri is not on the list exactly is refused with 400
// INVALID_REDIRECT_URI. The list starts empty, so a test that logs in
// registers its callback here or with AllowRedirectURI.
func WithRedirectURIs(uris ...string) Option {
	return func(s *Server) {
		for _, u := range uris {
			s.redirectURIs[u] = true
		}
	}
}

// WithAnyRedirectURI accepts any absolute http(s) redirectUri, which Wix
// never does. It is for load tests and benchmarks whose app address is not
// known in advance; tests of login flows should register their callbacks.
func WithAnyRedirectURI() Option { return func(s *Server) { s.anyRedirectURI = true } }

// AllowRedirectURI adds uri to the allowed redirect URIs (see
// WithRedirectURIs), for tests whose app address is known only once it
// listens.
func (s *Server) AllowRedirectURI(uri string) {
	s.mu.Lock()
	s.redirectURIs[uri] = true
	s.mu.Unlock()
}

// redirectURIAllowed reports whether the OAuth app allows uri.
func (s *Server) redirectURIAllowed(uri string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.anyRedirectURI || s.redirectURIs[uri]
}

// NewServer starts a fake on 127.0.0.1 with a random port. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake that is not listening yet: call Start, or
// serve Handler on a listener of your own (then call SetURL).
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{
		ClientID:       DefaultClientID,
		APIKey:         DefaultAPIKey,
		accessLifetime: DefaultAccessTokenLifetime,
		clock:          time.Now,
		closed:         make(chan struct{}),
		members:        map[string]*Member{},
		membersByID:    map[string]*Member{},
		contactIDs:     map[string]string{},
		access:         map[string]*accessToken{},
		refresh:        map[string]*refreshToken{},
		sessionTokens:  map[string]*sessionToken{},
		stateTokens:    map[string]*stateToken{},
		lastCodes:      map[string]string{},
		redirects:      map[string]*redirectSession{},
		shortLinks:     map[string]string{},
		codes:          map[string]*authCode{},
		carts:          map[string]*cart{},
		checkouts:      map[string]*Checkout{},
		faults:         map[Endpoint][]*activeFault{},
		redirectURIs:   map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.AddMember(Member{Email: DemoEmail, Password: DemoPassword, Nickname: DemoNickname})
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// Start starts a server from NewUnstartedServer on 127.0.0.1 with a random port.
func (s *Server) Start() {
	if s.ts != nil {
		panic("wixtest: Server already started")
	}
	s.ts = httptest.NewUnstartedServer(s.handler)
	s.ts.Start()
	s.SetURL(s.ts.URL)
}

// Handler returns the fake as an http.Handler, for serving it on a listener
// of your own. Call SetURL with the public base URL so that fullUrl links
// point at the right place; without it they are built from the Host header.
func (s *Server) Handler() http.Handler { return s.handler }

// SetURL tells the fake its public base URL, used to build the absolute links
// it hands out (fullUrl, form actions). With WithFrameRedirect it also
// starts the second origin, if Start has not.
func (s *Server) SetURL(u string) {
	u = strings.TrimRight(u, "/")
	s.mu.Lock()
	s.baseURL = u
	s.URL = u
	s.mu.Unlock()
	s.startFrameOrigin()
}

// Close shuts the fake down. Requests stuck in a Hang or Delay fault are
// released first, so that Close does not wait on them.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	if s.ts != nil {
		s.ts.Close()
	}
	if s.frameTS != nil {
		s.frameTS.Close()
	}
}

// Advance moves the fake's clock forward by d, for expiring tokens and codes
// without sleeping. It adds to whatever clock is in use.
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// Now reports the fake's current time.
func (s *Server) Now() time.Time { return s.clock().Add(time.Duration(s.offset.Load())) }

// SetAutoLogin makes the hosted login page approve the member with that email
// at once; "" shows the form again. A member that does not exist yet is added
// (with password DemoPassword) when the page is first used.
func (s *Server) SetAutoLogin(email string) {
	s.mu.Lock()
	s.autoLogin = email
	s.mu.Unlock()
}

// base returns the base URL links should use.
func (s *Server) base(r *http.Request) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseLocked(r)
}

func (s *Server) baseLocked(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type handlerFunc func(*Server, http.ResponseWriter, *http.Request, []byte)

type apiRoute struct {
	endpoint Endpoint
	method   string
	handle   handlerFunc
}

var apiRoutes = map[string]apiRoute{
	"/oauth2/token":                           {EndpointToken, http.MethodPost, (*Server).handleToken},
	"/oauth2/token-info":                      {EndpointTokenInfo, http.MethodPost, (*Server).handleTokenInfo},
	"/_api/iam/authentication/v2/sign-on":     {EndpointSignOn, http.MethodPost, (*Server).handleSignOn},
	"/_api/redirects-api/v1/redirect-session": {EndpointRedirectSession, http.MethodPost, (*Server).handleRedirectSession},
	"/redirect-session/v1/redirect-session":   {EndpointRedirectSession, http.MethodPost, (*Server).handleRedirectSession},
	"/_api/iam/authentication/v2/login":       {EndpointLogin, http.MethodPost, (*Server).handleLogin},
	"/_api/iam/authentication/v2/register":    {EndpointRegister, http.MethodPost, (*Server).handleRegister},
	"/_api/iam/verification/v1/auth/verify":   {EndpointVerify, http.MethodPost, (*Server).handleVerify},
	"/_api/iam/recovery/v1/send-email":        {EndpointRecovery, http.MethodPost, (*Server).handleRecovery},
	"/members/v1/members/my":                  {EndpointMembersMy, http.MethodGet, (*Server).handleMembersMy},
	"/ecom/v1/carts/current":                  {EndpointCart, http.MethodGet, (*Server).handleCart},
	"/ecom/v1/carts/current/add-to-cart":      {EndpointAddToCart, http.MethodPost, (*Server).handleAddToCart},
	"/ecom/v1/carts/current/create-checkout":  {EndpointCreateCheckout, http.MethodPost, (*Server).handleCreateCheckout},
}

// route picks the endpoint before anything else, so that faults and the log
// see every request, even malformed ones.
func (s *Server) route(r *http.Request) (Endpoint, []string, handlerFunc) {
	if rt, ok := apiRoutes[r.URL.Path]; ok {
		return rt.endpoint, []string{rt.method}, rt.handle
	}
	if e, methods, h, ok := s.routePage(r); ok {
		return e, methods, h
	}
	return EndpointOther, nil, (*Server).handleNotFound
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Wix-Request-Id", newRequestID())
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	endpoint, methods, handle := s.route(r)
	grant := ""
	if endpoint == EndpointToken {
		if p, err := parseTokenParams(r.Header.Get("Content-Type"), body); err == nil {
			grant = p.get("grantType", "grant_type")
		}
	}
	rec := &recorder{ResponseWriter: w}
	entry := s.record(endpoint, r, body, grant)
	defer func() { s.finish(entry, rec.status) }()

	if f, ok := s.takeFault(endpoint, grant); ok && s.applyFault(rec, r, endpoint, f) {
		return
	}
	if len(methods) > 0 && !contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeAppError(rec, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" not allowed on "+r.URL.Path)
		return
	}
	handle(s, rec, r, body)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request, _ []byte) {
	writeAppError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+r.URL.Path)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// recorder remembers the status for the request log; Unwrap keeps Hijack
// reachable through http.ResponseController for Reset faults.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

package session

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

// Options configure New. The zero value is an in-memory store with
// sessions in the clear.
type Options struct {
	// Store holds the sessions: a store of package stores, or any
	// scs.Store (nil: in memory). A store that is not an AtomicStore is
	// made one with a lock, which is atomic within this process only.
	Store scs.Store

	// Keys seal the sessions at rest with AES-256-GCM, each bound to its
	// store key. Each key is 32 random bytes (see ParseKeys); the first
	// seals, all open, so keys can be rotated: add the new key in front,
	// and drop the old one once the sessions it sealed have expired.
	Keys [][]byte

	// BaseURL is the app's public origin, as wixauth.Config.BaseURL. When
	// it is https the cookie is Secure and named with the "__Host-" prefix,
	// which browsers only accept from this host itself (Secure, Path=/,
	// no Domain): a sibling subdomain cannot set or shadow it.
	BaseURL string

	// CookieName is the session cookie's name. The default is
	// "wixauth_session", "__Host-wixauth_session" over https.
	CookieName string

	// NoHostPrefix keeps CookieName without the "__Host-" prefix over
	// https, for apps that must share the cookie with other subdomains
	// (set Cookie.Domain on the returned manager). It gives up the defence
	// against cookies tossed by a sibling subdomain.
	NoHostPrefix bool

	// Codec encodes the session values before they are sealed. The default
	// is this package's Codec (compact; also reads scs's gob format).
	Codec scs.Codec

	// MigrateUntil opens a migration that ends by itself at this time.
	// Until then, values in an older form (unsealed while Keys are set,
	// sealed by an older wixauth without the key binding, or written by
	// scs's own stores with any codec) are read once and written back in
	// the current form by the same request, so that adding Keys or
	// upgrading keeps the sessions. Outside it (and when zero) they are
	// refused: a new session and a Warn log, since anyone who can write to
	// the store can plant such a value. Set it to the deploy time plus the
	// session Lifetime (24 hours by default), after which every session
	// from before has expired anyway; at most 30 days ahead.
	MigrateUntil time.Time

	// MigrateUnhashedKeys also reads, during the migration MigrateUntil
	// opens, the sessions an app stored with a plain scs manager, whose
	// store keys are the cookies themselves (HashTokenInStore off, scs's
	// default): when a cookie's hashed key holds nothing, the key that is
	// the cookie is read, and the request's save writes the session under
	// the hashed key and a tombstone over the old key in one step
	// (AtomicStore.CommitRetiring), so that the old key holds no session
	// from then on; a renewal or destroy retires both keys. It needs the
	// middleware's load record (a request through Auth.Middleware). Use
	// the store prefix and cookie name of the
	// app's old manager (with redisstore, prefix=scs:session: in the store
	// URL and CookieName "session"). Off by default, and off when the
	// migration ends: until then, keys that are live cookies stay in the
	// store for the sessions not yet moved.
	MigrateUnhashedKeys bool

	// Logger receives the Warn logs of values that do not open. The
	// default is slog.Default().
	Logger *slog.Logger
}

// DefaultCookieName is the session cookie's name unless Options.CookieName
// says otherwise ("__Host-" in front over https).
const DefaultCookieName = "wixauth_session"

// maxMigration bounds Options.MigrateUntil: a migration that could be left
// open for good would be the bypass it replaces.
const maxMigration = 30 * 24 * time.Hour

// hostPrefix makes browsers refuse the cookie unless it is Secure, for
// Path=/ and without Domain: only this host can set it.
const hostPrefix = "__Host-"

// New returns a session manager set up as wixauth requires (see
// wixauth.Config.Sessions): store keys hashed, values sealed to their key
// when Keys are given, saves and retirements in one step, an HttpOnly
// SameSite=Lax cookie. Change Lifetime, IdleTimeout or the cookie's Name,
// Domain and Persist on it as with any scs manager before passing it to
// wixauth.New; keep its Store, Codec and HashTokenInStore (off: the Store
// hashes the keys), and keep SameSite at Lax.
func New(o Options) (*scs.SessionManager, error) {
	codec, err := NewCodec(o.Keys...)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MigrateUnhashedKeys && !time.Now().Before(o.MigrateUntil) {
		return nil, errors.New("wixauth: session.Options.MigrateUnhashedKeys needs a migration: set MigrateUntil to the deploy time plus the old sessions' lifetime")
	}
	if until := time.Until(o.MigrateUntil); until > maxMigration {
		return nil, fmt.Errorf("wixauth: session.Options.MigrateUntil is %v away: a migration lasts as long as the sessions from before it can live (the session Lifetime, 24 hours by default), at most %v; set it to the deploy time plus the Lifetime", until.Round(time.Hour), maxMigration)
	} else if until > 0 {
		o.Logger.Warn("wixauth: session migration open: values in older forms are read once and written back sealed until MigrateUntil; until then, anyone who can write to the store can plant such a value",
			slog.Time("until", o.MigrateUntil))
	}
	if o.Codec == nil {
		o.Codec = &Codec{}
	}
	if o.Store == nil {
		o.Store = memstore.New()
	}
	if _, inProcess := o.Store.(*memstore.MemStore); !inProcess && len(o.Keys) == 0 {
		o.Logger.Warn("wixauth: sessions are kept outside this process without Keys (wixauth.Config.Keys or session.Options.Keys): their refresh tokens are in the clear for whoever reads the store (a backup, a replica, SCAN); set Keys (see session.ParseKeys)")
	}
	atomic, ok := o.Store.(AtomicStore)
	if !ok {
		atomic = LockedStore(o.Store)
	}
	sm := scs.New()
	// The Store hashes the tokens itself (Key, the same hash), once per
	// request, for the load and the save.
	sm.HashTokenInStore = false
	fr, _ := atomic.(FreshReads)
	sm.Store = &Store{backend: atomic, sealer: codec, migrateUntil: o.MigrateUntil, unhashed: o.MigrateUnhashedKeys, noHostPrefix: o.NoHostPrefix, log: o.Logger, sm: sm,
		fresh: fr != nil && fr.FreshReads()}
	sm.Codec = tolerantCodec{Codec: o.Codec, sm: sm, log: o.Logger}
	sm.Cookie.Name = o.CookieName
	if sm.Cookie.Name == "" {
		sm.Cookie.Name = DefaultCookieName
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.ErrorFunc = unavailable(o.Logger)
	if strings.HasPrefix(o.BaseURL, "https://") {
		sm.Cookie.Secure = true
		if !o.NoHostPrefix && !strings.HasPrefix(sm.Cookie.Name, hostPrefix) {
			sm.Cookie.Name = hostPrefix + sm.Cookie.Name
		}
	}
	return sm, nil
}

// unavailable answers for the app's own LoadAndSave when the store fails:
// a 503 with Retry-After, as wixauth's middleware answers, rather than
// scs's bare 500.
func unavailable(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		log.Error("wixauth: request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", "wixauth: the session store failed to load or save the session (is it reachable?): "+err.Error()))
		w.Header().Set("Retry-After", strconv.Itoa(int(5*time.Second/time.Second)))
		http.Error(w, "Sessions are unavailable right now (the session store does not answer). Please try again in a moment.", http.StatusServiceUnavailable)
	}
}

// Check reports what keeps sm from being used by a wixauth.Auth with
// baseURL, and returns its store.
func Check(sm *scs.SessionManager, baseURL string) (*Store, error) {
	st, ok := sm.Store.(*Store)
	_, codecOK := sm.Codec.(tolerantCodec)
	switch {
	case !ok || st.sm != sm || !codecOK:
		return nil, errors.New("wixauth: Config.Sessions must be made by session.New (its store hashes keys, seals values to their key and retires sessions for good); build it with session.New(session.Options{Store: st.Sessions, Keys: keys, BaseURL: baseURL}) and keep its Store and Codec, or give wixauth.Config the Store and Keys instead")
	case sm.HashTokenInStore:
		return nil, errors.New("wixauth: Config.Sessions has HashTokenInStore on: its store hashes the keys itself, so scs would hash them twice and no existing session would be found; leave it off, as session.New set it")
	case sm.Cookie.SameSite == http.SameSiteStrictMode || sm.Cookie.SameSite == http.SameSiteNoneMode:
		return nil, errors.New("wixauth: Config.Sessions' cookie must be SameSite=Lax: Strict drops it on the way back from Wix's login page, None sends it with cross-site posts")
	case strings.HasPrefix(baseURL, "https://") && !sm.Cookie.Secure:
		return nil, errors.New("wixauth: Config.BaseURL is https but the session cookie is not Secure: pass the BaseURL to session.New")
	case strings.HasPrefix(baseURL, "https://") && !strings.HasPrefix(sm.Cookie.Name, hostPrefix) && !st.noHostPrefix:
		return nil, fmt.Errorf("wixauth: over https the session cookie must keep the \"__Host-\" prefix, which a sibling subdomain cannot set, but it is named %q (renamed after session.New?): name it with session.Options.CookieName, which adds the prefix, or set session.Options.NoHostPrefix to give that defence up", sm.Cookie.Name)
	case strings.HasPrefix(sm.Cookie.Name, hostPrefix) && (!sm.Cookie.Secure || sm.Cookie.Domain != "" || sm.Cookie.Path != "/"):
		return nil, errors.New("wixauth: a \"__Host-\" session cookie must be Secure, with Path \"/\" and no Domain, or browsers drop it")
	}
	return st, nil
}

// tolerantCodec turns session data that cannot be decoded (tampered with, or
// written by an incompatible version) into a new, empty session instead of
// an error that would fail every request of that browser.
type tolerantCodec struct {
	scs.Codec
	sm  *scs.SessionManager
	log *slog.Logger
}

func (c tolerantCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	deadline, values, err := c.decode(b)
	if err != nil {
		c.log.Warn("wixauth: undecodable session data; starting a new session", slog.Any("error", err))
		return time.Now().Add(c.sm.Lifetime).UTC(), make(map[string]interface{}), nil
	}
	if !time.Now().Before(deadline) {
		// The store keeps a value only until its deadline: one past it was
		// put back by someone who can write to the store (a replay), whose
		// expiry they chose. A sealed deadline bounds what a replay brings
		// back to the session's own lifetime.
		c.log.Warn("wixauth: a session value past its deadline (put back into the store); starting a new session")
		return time.Now().Add(c.sm.Lifetime).UTC(), make(map[string]interface{}), nil
	}
	return deadline, values, nil
}

// decode decodes b with the manager's codec. Data that the Store handed
// over with a frameOpen byte in front is data nothing changes afterwards
// (see Store.unframe): session.Codec then takes the token record in place
// rather than copying it.
func (c tolerantCodec) decode(b []byte) (time.Time, map[string]interface{}, error) {
	if len(b) == 0 || b[0] != frameOpen {
		return c.Codec.Decode(b)
	}
	b = b[1:]
	if cc, ok := c.Codec.(*Codec); ok && len(cc.aeads) == 0 && len(b) > 0 && b[0] == codecPlain {
		return decodePlain(b, true)
	}
	return c.Codec.Decode(b)
}

package wixauth

// The session store: what wixauth writes where, in one place. Read it with
// session.go (a request's load and save) and sessionlogin.go (login and
// logout, which retire a session).
//
//   - Keys. A session's store key is the SHA-256 of its cookie (scs's
//     HashTokenInStore), so whoever reads the store holds no working cookie.
//   - Frames. Every value written here starts with a byte that says what it
//     is: a session in the clear (frameOpen), a session sealed with
//     AES-256-GCM whose additional data is its own store key (frameSealed),
//     or a tombstone (frameRetired). A sealed value copied under another key
//     does not open, and reads as no session, with a Warn log.
//   - Saves are one step each, in the store (a Lua script on Redis, a lock
//     in memory): a session found at load is written back only if its key
//     still holds a live session, so neither a tombstone nor a key that
//     vanished since the load (retired, destroyed, expired) is ever
//     overwritten; any other save is refused over a tombstone.
//   - Retiring. scs deletes a session's key when it renews the session's
//     token (login, logout) or destroys it; here the key gets a tombstone
//     instead, in one write, that lives as long as the session could.
//   - Older values (unsealed while Keys are set, written by scs's own stores
//     with any codec, or sealed by an older wixauth Codec) are refused,
//     except during a migration the operator starts
//     (SessionOptions.MigrateUntil), which ends by itself at its date: then
//     they are read once and written back in the new form by the same
//     request.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

// The first byte of every value the session store writes. None of them can
// start a gob stream or an older wixauth Codec value, so values written
// before are told apart.
const (
	frameOpen    = 0xB1
	frameSealed  = 0xB2
	frameRetired = TombstoneByte
)

// TombstoneByte starts every tombstone: the value that replaces a retired
// session, so that no late save can bring it back. An AtomicStore checks for
// it in CommitIf.
const TombstoneByte = 0xB3

// CommitCondition says when AtomicStore.CommitIf may write.
type CommitCondition int

// The conditions, checked and acted on in one step.
const (
	// CommitAlways writes whatever the key holds (tombstones).
	CommitAlways CommitCondition = iota
	// CommitUnlessRetired writes unless the key holds a tombstone (a new
	// session, or one loaded outside wixauth's middleware).
	CommitUnlessRetired
	// CommitIfLive writes only if the key holds a value that is not a
	// tombstone (a session saved back by the request that loaded it).
	CommitIfLive
)

// AtomicStore is an scs store that can check a key and write it in one
// step, which is what makes retiring a session final across instances.
// stores.Open's Redis store implements it with a Lua script; NewSessions
// makes any other scs.Store one with a lock, which is atomic within one
// process (enough for the memory store, not for a store shared by
// instances).
type AtomicStore interface {
	scs.CtxStore
	// CommitIf writes b under key until expiry if cond allows it, and
	// reports whether it wrote.
	CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition) (bool, error)
}

// SessionOptions configure NewSessions. The zero value is an in-memory
// store with sessions in the clear.
type SessionOptions struct {
	// Store holds the sessions: stores.Open(...).Sessions, or any
	// scs.Store (nil: in memory). A store that is not an AtomicStore is
	// made one with a lock, which is atomic within this process only.
	Store scs.Store

	// Keys seal the sessions at rest with AES-256-GCM, each bound to its
	// store key. Each key is 32 random bytes (see ParseKeys); the first
	// seals, all open, so keys can be rotated: add the new key in front,
	// and drop the old one once the sessions it sealed have expired.
	Keys [][]byte

	// BaseURL is the app's public origin, as Config.BaseURL. When it is
	// https the cookie is Secure and named with the "__Host-" prefix,
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
	// is wixauth's Codec (compact; also reads scs's gob format).
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

	// Logger receives the Warn logs of values that do not open. The
	// default is slog.Default().
	Logger *slog.Logger
}

// NewSessions returns a session manager set up as wixauth requires (see
// Config.Sessions): store keys hashed, values sealed to their key when Keys
// are given, saves and retirements in one step, an HttpOnly SameSite=Lax
// cookie. Change Lifetime, IdleTimeout or the cookie's Name, Domain and
// Persist on it as with any scs manager before passing it to New; keep its
// Store, Codec and HashTokenInStore, and keep SameSite at Lax.
func NewSessions(o SessionOptions) (*scs.SessionManager, error) {
	codec, err := NewCodec(o.Keys...)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if until := time.Until(o.MigrateUntil); until > maxMigration {
		return nil, fmt.Errorf("wixauth: SessionOptions.MigrateUntil is %v away: a migration lasts as long as the sessions from before it can live (the session Lifetime, 24 hours by default), at most %v; set it to the deploy time plus the Lifetime", until.Round(time.Hour), maxMigration)
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
		o.Logger.Warn("wixauth: sessions are kept outside this process without SessionOptions.Keys: their refresh tokens are in the clear for whoever reads the store (a backup, a replica, SCAN); set Keys (see ParseKeys)")
	}
	atomic, ok := o.Store.(AtomicStore)
	if !ok {
		atomic = LockedStore(o.Store)
	}
	sm := scs.New()
	sm.HashTokenInStore = true
	sm.Store = &sessionStore{backend: atomic, sealer: codec, migrateUntil: o.MigrateUntil, noHostPrefix: o.NoHostPrefix, log: o.Logger, sm: sm}
	sm.Codec = tolerantCodec{Codec: o.Codec, sm: sm, log: o.Logger}
	sm.Cookie.Name = o.CookieName
	if sm.Cookie.Name == "" {
		sm.Cookie.Name = defaultCookieName
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	// For the app's own LoadAndSave: a 503 with Retry-After, as the
	// middleware answers, rather than scs's bare 500.
	answer := defaultErrorHandler(o.Logger)
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		answer(w, r, &StoreError{Op: "load or save", Err: err})
	}
	if strings.HasPrefix(o.BaseURL, "https://") {
		sm.Cookie.Secure = true
		if !o.NoHostPrefix && !strings.HasPrefix(sm.Cookie.Name, hostPrefix) {
			sm.Cookie.Name = hostPrefix + sm.Cookie.Name
		}
	}
	return sm, nil
}

// maxMigration bounds SessionOptions.MigrateUntil: a migration that could
// be left open for good would be the bypass it replaces.
const maxMigration = 30 * 24 * time.Hour

// hostPrefix makes browsers refuse the cookie unless it is Secure, for
// Path=/ and without Domain: only this host can set it.
const hostPrefix = "__Host-"

// checkSessions reports what keeps sm from being used by an Auth with
// baseURL, and returns its store.
func checkSessions(sm *scs.SessionManager, baseURL string) (*sessionStore, error) {
	st, ok := sm.Store.(*sessionStore)
	_, codecOK := sm.Codec.(tolerantCodec)
	switch {
	case !ok || st.sm != sm || !codecOK:
		return nil, errors.New("wixauth: Config.Sessions must be made by wixauth.NewSessions (its store hashes keys, seals values to their key and retires sessions for good); build it with wixauth.NewSessions(wixauth.SessionOptions{Store: st.Sessions, Keys: keys, BaseURL: baseURL}) and keep its Store and Codec")
	case !sm.HashTokenInStore:
		return nil, errors.New("wixauth: Config.Sessions has HashTokenInStore off: store keys would be live cookies; leave it as NewSessions set it")
	case sm.Cookie.SameSite == http.SameSiteStrictMode || sm.Cookie.SameSite == http.SameSiteNoneMode:
		return nil, errors.New("wixauth: Config.Sessions' cookie must be SameSite=Lax: Strict drops it on the way back from Wix's login page, None sends it with cross-site posts")
	case strings.HasPrefix(baseURL, "https://") && !sm.Cookie.Secure:
		return nil, errors.New("wixauth: Config.BaseURL is https but the session cookie is not Secure: pass the BaseURL to wixauth.NewSessions")
	case strings.HasPrefix(baseURL, "https://") && !strings.HasPrefix(sm.Cookie.Name, hostPrefix) && !st.noHostPrefix:
		return nil, fmt.Errorf("wixauth: over https the session cookie must keep the \"__Host-\" prefix, which a sibling subdomain cannot set, but it is named %q (renamed after NewSessions?): name it with SessionOptions.CookieName, which adds the prefix, or set SessionOptions.NoHostPrefix to give that defence up", sm.Cookie.Name)
	case strings.HasPrefix(sm.Cookie.Name, hostPrefix) && (!sm.Cookie.Secure || sm.Cookie.Domain != "" || sm.Cookie.Path != "/"):
		return nil, errors.New("wixauth: a \"__Host-\" session cookie must be Secure, with Path \"/\" and no Domain, or browsers drop it")
	}
	return st, nil
}

// sessionStore is the scs.Store of every manager made by NewSessions. scs
// hands it the hashed key of each session.
type sessionStore struct {
	backend AtomicStore
	sealer  *Codec // its keys seal; no keys: values in the clear
	// migrateUntil ends the migration of older values (see
	// SessionOptions.MigrateUntil); zero: none.
	migrateUntil time.Time
	noHostPrefix bool // SessionOptions.NoHostPrefix: the only way to drop "__Host-" over https
	log          *slog.Logger
	sm           *scs.SessionManager // for Lifetime, which the app may set after NewSessions
}

// loadRecord is what the store learnt while loading one request's session
// and what became of its save. withSession puts it in the context before
// scs loads the session, so scs hands it back with every store call of the
// request.
type loadRecord struct {
	key       string    // store key found at load
	found     bool      // a live session was found under key
	legacy    bool      // in an older form: write it back
	retired   time.Time // the cookie's session was retired then
	throwaway bool      // the session must never be saved

	probeKey string // a key read while choosing among several cookies,
	probeVal []byte // and its value: the load reads it from here

	committed bool  // a save was attempted (by wixauth, or the app's LoadAndSave)
	refused   bool  // the store refused it: the session was retired meanwhile
	failed    error // the store failed
}

// loadOf returns the load record of the request that ctx belongs to. It
// travels with the request's Client, which the middleware puts in the
// context before scs loads the session: one context value for both.
func loadOf(ctx context.Context) *loadRecord {
	if c := FromContext(ctx); c != nil {
		return c.load
	}
	return nil
}

// Find, Commit and Delete serve callers without a context.
func (s *sessionStore) Find(key string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), key)
}

func (s *sessionStore) Commit(key string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), key, b, expiry)
}

func (s *sessionStore) Delete(key string) error { return s.DeleteCtx(context.Background(), key) }

// FindCtx returns the codec data of the session under key. A tombstone, or
// a value that does not open under this key, is no session.
func (s *sessionStore) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	l := loadOf(ctx)
	var (
		v     []byte
		found bool
		err   error
	)
	if l != nil && l.key == "" && l.probeKey == key {
		v, found = l.probeVal, l.probeVal != nil // read a moment ago, choosing the cookie
	} else {
		v, found, err = s.backend.FindCtx(ctx, key)
	}
	if err != nil || !found || len(v) == 0 {
		return nil, false, err
	}
	if l != nil && l.key != "" {
		l = nil // a second lookup (scs MergeSession): not the request's own session
	}
	data, retired, legacy, ok := s.unframe(key, v)
	switch {
	case !retired.IsZero():
		if l != nil {
			l.retired = retired
		}
		return nil, false, nil
	case !ok:
		return nil, false, nil
	}
	if l != nil {
		l.key, l.found, l.legacy = key, true, legacy
	}
	return data, true, nil
}

// unframe reads a stored value: the codec data of a live session, or when
// the session was retired. ok is false for a value that must be refused.
func (s *sessionStore) unframe(key string, v []byte) (data []byte, retired time.Time, legacy, ok bool) {
	switch v[0] {
	case frameRetired:
		ms, n := binary.Varint(v[1:])
		if n <= 0 {
			ms = 1 // unreadable: retired long ago
		}
		return nil, time.UnixMilli(ms), false, false
	case frameSealed:
		data, err := s.sealer.openFor(key, v[1:])
		if err != nil {
			s.log.Warn("wixauth: a session value does not open under its own key (copied from another session, tampered with, or sealed with a dropped key); starting a new session")
			return nil, time.Time{}, false, false
		}
		return data, time.Time{}, false, true
	case frameOpen:
		if len(s.sealer.aeads) > 0 && !s.migrating() {
			s.log.Warn("wixauth: an unsealed session value while Keys are set, outside a migration (SessionOptions.MigrateUntil); starting a new session")
			return nil, time.Time{}, false, false
		}
		return v[1:], time.Time{}, len(s.sealer.aeads) > 0, true
	}
	// Written before this store: by an older wixauth Codec (sealed with no
	// key binding, or plain) or by scs's own stores with any codec.
	if !s.migrating() {
		s.log.Warn("wixauth: a session value in an older form, outside a migration (SessionOptions.MigrateUntil); starting a new session")
		return nil, time.Time{}, false, false
	}
	if v[0] == codecSealed {
		plain, err := s.sealer.open(v[1:])
		if err != nil {
			s.log.Warn("wixauth: an older sealed session value does not open with the configured keys; starting a new session")
			return nil, time.Time{}, false, false
		}
		return plain, time.Time{}, true, true
	}
	return v, time.Time{}, true, true
}

// migrating reports whether the migration of older values is open.
func (s *sessionStore) migrating() bool { return time.Now().Before(s.migrateUntil) }

// CommitCtx saves a session under the condition its load calls for.
func (s *sessionStore) CommitCtx(ctx context.Context, key string, b []byte, expiry time.Time) error {
	l := loadOf(ctx)
	cond := CommitUnlessRetired
	if l != nil {
		if l.throwaway {
			l.committed, l.refused = true, true
			return nil
		}
		if l.found && l.key == key {
			cond = CommitIfLive
		}
	}
	saved, err := s.backend.CommitIf(ctx, key, s.frame(key, b), expiry, cond)
	if l != nil {
		l.committed = true
		l.refused = err == nil && !saved
		l.failed = err
	}
	return err
}

// frame seals b to key when keys are set.
func (s *sessionStore) frame(key string, b []byte) []byte {
	if len(s.sealer.aeads) == 0 {
		v := make([]byte, 0, 1+len(b))
		return append(append(v, frameOpen), b...)
	}
	return s.sealer.sealFor(frameSealed, key, b)
}

// DeleteCtx retires the session under key: scs calls it when it renews a
// session's token or destroys it. The tombstone lives as long as the
// session could have, so that no save of it, however late, finds the key
// free.
func (s *sessionStore) DeleteCtx(ctx context.Context, key string) error {
	if key == emptyTokenKey { // a session that was never saved
		return nil
	}
	now := time.Now()
	tomb := binary.AppendVarint([]byte{frameRetired}, now.UnixMilli())
	_, err := s.backend.CommitIf(ctx, key, tomb, now.Add(max(s.sm.Lifetime, movedGrace)), CommitAlways)
	return err
}

// probe reports whether key holds a session this store would load, and
// returns the value read.
func (s *sessionStore) probe(ctx context.Context, key string) ([]byte, bool, error) {
	v, found, err := s.backend.FindCtx(ctx, key)
	if err != nil || !found || len(v) == 0 {
		return nil, false, err
	}
	_, retired, _, ok := s.unframe(key, v)
	return v, ok && retired.IsZero(), nil
}

// sealRecord seals b for the renewal coordinator, bound to key like a
// session, so that a published result copied under another key is refused.
func (s *sessionStore) sealRecord(key string, b []byte) []byte { return s.frame(key, b) }

// openRecord opens what sealRecord sealed under key.
func (s *sessionStore) openRecord(key string, v []byte) ([]byte, bool) {
	if len(v) == 0 {
		return nil, false
	}
	data, retired, legacy, ok := s.unframe(key, v)
	return data, ok && retired.IsZero() && !legacy
}

// storeKey is the store key of a session token: scs's hashToken, which scs
// does not export (TestStoreKeyIsScsHash pins the copy to scs).
func storeKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// emptyTokenKey is what scs hands the store when it destroys or renews a
// session that was never saved.
var emptyTokenKey = storeKey("")

// sealFor seals b with the first key, bound to key, after the frame byte.
func (c *Codec) sealFor(frame byte, key string, b []byte) []byte {
	aead := c.aeads[0]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(b)+aead.Overhead())
	out[0] = frame
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], b, []byte(key))
}

// openFor opens what sealFor sealed for key, with any of the keys.
func (c *Codec) openFor(key string, b []byte) ([]byte, error) {
	for _, aead := range c.aeads {
		if len(b) < aead.NonceSize() {
			break
		}
		if plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(key)); err == nil {
			return plain, nil
		}
	}
	return nil, errSealedElsewhere
}

var errSealedElsewhere = errors.New("wixauth: the value does not open under its key")

// LockedStore makes any scs.Store an AtomicStore: each CommitIf checks and
// writes under one lock, which is atomic for every request of this process
// (enough for an in-memory store, not for one shared by instances).
// NewSessions uses it for stores that are not AtomicStores.
func LockedStore(s scs.Store) AtomicStore { return &lockedStore{Store: s} }

type lockedStore struct {
	scs.Store
	mu sync.Mutex
}

func (s *lockedStore) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return cs.FindCtx(ctx, key)
	}
	return s.Store.Find(key)
}

func (s *lockedStore) CommitCtx(ctx context.Context, key string, b []byte, expiry time.Time) error {
	_, err := s.CommitIf(ctx, key, b, expiry, CommitAlways)
	return err
}

func (s *lockedStore) DeleteCtx(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return cs.DeleteCtx(ctx, key)
	}
	return s.Store.Delete(key)
}

func (s *lockedStore) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond CommitCondition) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cond != CommitAlways {
		cur, found, err := s.FindCtx(ctx, key)
		if err != nil {
			return false, err
		}
		if (found && len(cur) > 0 && cur[0] == TombstoneByte) || (!found && cond == CommitIfLive) {
			return false, nil
		}
	}
	if cs, ok := s.Store.(scs.CtxStore); ok {
		return true, cs.CommitCtx(ctx, key, b, expiry)
	}
	return true, s.Store.Commit(key, b, expiry)
}

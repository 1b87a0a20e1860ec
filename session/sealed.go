package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// The store of every manager made by New: keys, frames, sealing and
// tombstones (see the package documentation).

// The first byte of every value the store writes. None of them can start a
// gob stream or an older Codec value, so values written before are told
// apart.
const (
	frameOpen    = 0xB1
	frameSealed  = 0xB2
	frameRetired = TombstoneByte
)

// MovedGrace is how long after a retirement a request sent with the old
// cookie is served without a session it could save (see Load.Retired). It
// outlives any request that was in flight at the renewal; a tombstone lives
// at least this long.
const MovedGrace = time.Minute

// Store is the scs.Store of every manager made by New. scs hands it each
// session's token (the cookie's value: New leaves scs's HashTokenInStore
// off), and it keeps the session under the token's hash, Key(token), which
// is the key scs's HashTokenInStore gives it: the keys are the same as
// ever, and hashed once per request (the load record keeps the key for
// the save). Check returns it from a manager.
type Store struct {
	backend AtomicStore
	sealer  *Codec // its keys seal; no keys: values in the clear
	// migrateUntil ends the migration of older values (see
	// Options.MigrateUntil); zero: none.
	migrateUntil time.Time
	unhashed     bool // Options.MigrateUnhashedKeys
	noHostPrefix bool // Options.NoHostPrefix: the only way to drop "__Host-" over https
	log          *slog.Logger
	sm           *scs.SessionManager // for Lifetime, which the app may set after New
	// fresh: the backend's reads hand out bytes that nothing changes
	// afterwards (FreshReads), so their token record is decoded in place.
	fresh bool
}

// Find implements scs.Store for callers without a context.
func (s *Store) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store for callers without a context.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store for callers without a context.
func (s *Store) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// FindCtx returns the codec data of the session of token, for the
// manager's codec: data that nothing changes afterwards comes with a
// frameOpen byte in front, so that the codec reads it in place (see
// unframe). A tombstone, or a value that does not open under the session's
// key, is no session.
func (s *Store) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	l := loadOf(ctx)
	if l != nil && l.looked {
		l = nil // a second lookup (scs MergeSession): not the request's own session
	}
	var (
		key   string
		v     []byte
		found bool
		err   error
	)
	if l != nil && l.Probed && l.Token == token {
		key, v, found = l.Key, l.ProbeVal, l.ProbeVal != nil // read a moment ago, choosing the cookie
	} else {
		key = Key(token)
		v, found, err = s.backend.FindCtx(ctx, key)
	}
	if l != nil {
		l.looked, l.Token, l.Key = true, token, key
	}
	if err == nil && (!found || len(v) == 0) && s.unhashed && l != nil && token != "" {
		return s.findUnhashed(ctx, token, key, l)
	}
	if err != nil || !found || len(v) == 0 {
		return nil, false, err
	}
	data, retired, legacy, ok := s.unframe(key, v, true)
	switch {
	case !retired.IsZero():
		if l != nil {
			l.Retired = retired
		}
		return nil, false, nil
	case !ok:
		return nil, false, nil
	}
	if l != nil {
		l.Found, l.Legacy = true, legacy
	}
	return data, true, nil
}

// findUnhashed reads, during a migration of unhashed keys
// (Options.MigrateUnhashedKeys), the session a plain scs manager stored
// under the token itself, when its hashed key holds nothing. Only a value
// in an older form counts: this store never writes a session under a
// token, so a value in its own form there was put by hand. The old key is
// retired (a tombstone) in the same step as the session's first save
// under its hashed key, or with the hashed key at a renewal or destroy:
// it goes on the load record's retire list.
func (s *Store) findUnhashed(ctx context.Context, token, key string, l *Load) ([]byte, bool, error) {
	if !s.migrating() {
		return nil, false, nil
	}
	v, found, err := s.backend.FindCtx(ctx, token)
	if err != nil || !found || len(v) == 0 {
		return nil, false, err
	}
	switch v[0] {
	case frameRetired: // moved already
		return nil, false, nil
	case frameOpen, frameSealed:
		s.log.Warn("wixauth: a value in this store's own form under an unhashed key (put there by hand); starting a new session")
		return nil, false, nil
	}
	data, _, _, ok := s.unframe(key, v, true)
	if !ok {
		return nil, false, nil
	}
	l.Legacy, l.Unhashed = true, true
	l.retire = append(l.retire, token)
	return data, true, nil
}

// unframe reads a stored value: the codec data of a live session, or when
// the session was retired. ok is false for a value that must be refused.
//
// For scs (handoff), data that nothing will change afterwards (opened
// here, or read from a backend with FreshReads) keeps a frameOpen byte in
// front: tolerantCodec then decodes the token record in place instead of
// copying it. No other data handed to scs starts with that byte.
func (s *Store) unframe(key string, v []byte, handoff bool) (data []byte, retired time.Time, legacy, ok bool) {
	switch v[0] {
	case frameRetired:
		ms, n := binary.Varint(v[1:])
		if n <= 0 {
			ms = 1 // unreadable: retired long ago
		}
		return nil, time.UnixMilli(ms), false, false
	case frameSealed:
		var dst []byte
		if handoff {
			dst = append(make([]byte, 0, len(v)), frameOpen) // the plaintext is new: no one else holds it
		}
		data, err := s.sealer.openFor(dst, key, v[1:])
		if err != nil {
			s.log.Warn("wixauth: a session value does not open under its own key (copied from another session, tampered with, or sealed with a dropped key); starting a new session")
			return nil, time.Time{}, false, false
		}
		return data, time.Time{}, false, true
	case frameOpen:
		if len(s.sealer.aeads) > 0 && !s.migrating() {
			s.log.Warn("wixauth: an unsealed session value while Keys are set, outside a migration (session.Options.MigrateUntil); starting a new session")
			return nil, time.Time{}, false, false
		}
		if handoff && s.fresh {
			return v, time.Time{}, len(s.sealer.aeads) > 0, true
		}
		return v[1:], time.Time{}, len(s.sealer.aeads) > 0, true
	}
	// Written before this store: by an older wixauth Codec (sealed with no
	// key binding, or plain) or by scs's own stores with any codec.
	if !s.migrating() {
		s.log.Warn("wixauth: a session value in an older form, outside a migration (session.Options.MigrateUntil); starting a new session")
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
func (s *Store) migrating() bool { return time.Now().Before(s.migrateUntil) }

// CommitCtx saves the session of token under the condition its load
// calls for. The first save after a renewal (Renew) also retires the old
// key, in the same step.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	l := loadOf(ctx)
	cond := CommitUnlessRetired
	if l != nil {
		if l.Throwaway {
			l.Committed, l.Refused = true, true
			return nil
		}
		if l.Found && l.Token == token {
			cond = CommitIfLive
		}
	}
	key := l.keyOf(token)
	var (
		saved bool
		err   error
	)
	if l != nil && len(l.retire) > 0 {
		saved, err = s.backend.CommitRetiring(ctx, key, s.frame(key, b), expiry, cond, s.tombstones(l.retire))
		if saved && err == nil {
			l.retire = nil
		}
	} else {
		saved, err = s.backend.CommitIf(ctx, key, s.frame(key, b), expiry, cond)
	}
	if l != nil {
		l.Committed = true
		l.Refused = err == nil && !saved
		l.Failed = err
	}
	return err
}

// frame seals b to key when keys are set.
func (s *Store) frame(key string, b []byte) []byte {
	if len(s.sealer.aeads) == 0 {
		v := make([]byte, 0, 1+len(b))
		return append(append(v, frameOpen), b...)
	}
	return s.sealer.sealFor(frameSealed, key, b)
}

// DeleteCtx retires the session of token: scs calls it when it renews a
// session's token or destroys it. The tombstone lives as long as the
// session could have, so that no save of it, however late, finds the key
// free. During Renew it only records the key: the renewed session's first
// save retires it (CommitCtx), so that a store failing in between leaves
// the old session, not a browser whose cookie leads to a tombstone.
func (s *Store) DeleteCtx(ctx context.Context, token string) error {
	if token == "" { // a session that was never saved
		return nil
	}
	l := loadOf(ctx)
	key := l.keyOf(token)
	if l != nil && l.renewing {
		if !slices.Contains(l.retire, key) {
			l.retire = append(l.retire, key)
		}
		return nil
	}
	r := s.tombstones(nil)
	if l != nil {
		// A destroy after a renewal retires the old key too, at once.
		r.Keys, l.retire = l.retire, nil
	}
	_, err := s.backend.CommitRetiring(ctx, key, r.Tomb, r.Expiry, CommitAlways, r)
	return err
}

// tombstones are what retires keys now: a tombstone dated now, living as
// long as a session could.
func (s *Store) tombstones(keys []string) Retire {
	now := time.Now()
	return Retire{
		Keys:   keys,
		Tomb:   binary.AppendVarint([]byte{frameRetired}, now.UnixMilli()),
		Expiry: now.Add(max(s.sm.Lifetime, MovedGrace)),
	}
}

// Renew gives the session of ctx a new token, as sm.RenewToken (login,
// logout), and retires the old token in the same step as the renewed
// session's first save: until that save the old session is left as it
// is, and if the save fails the browser keeps a cookie that still works.
// Outside the middleware (no load record in ctx) the old token is retired
// at once, as by scs.
func (s *Store) Renew(ctx context.Context) error {
	l := loadOf(ctx)
	if l == nil || l.Throwaway {
		return s.sm.RenewToken(ctx)
	}
	l.renewing = true
	defer func() { l.renewing = false }()
	return s.sm.RenewToken(ctx)
}

// Probe reads the session of token, as the middleware does while choosing
// among several cookies, and reports whether it is one this store would
// load. It returns the store key and the value read, for Load.Key and
// Load.ProbeVal.
func (s *Store) Probe(ctx context.Context, token string) (key string, v []byte, live bool, err error) {
	key = Key(token) // the key the load reads: one hash for both
	v, found, err := s.backend.FindCtx(ctx, key)
	if err != nil || !found || len(v) == 0 {
		return key, nil, false, err
	}
	_, retired, _, ok := s.unframe(key, v, false)
	return key, v, ok && retired.IsZero(), nil
}

// Backend returns the AtomicStore the sessions are kept in, for New's
// caller to find what else it offers (a renewal coordinator).
func (s *Store) Backend() AtomicStore { return s.backend }

// SealRecord seals b for the renewal coordinator, bound to key like a
// session, so that a published result copied under another key is refused.
func (s *Store) SealRecord(key string, b []byte) []byte { return s.frame(key, b) }

// OpenRecord opens what SealRecord sealed under key.
func (s *Store) OpenRecord(key string, v []byte) ([]byte, bool) {
	if len(v) == 0 {
		return nil, false
	}
	data, retired, legacy, ok := s.unframe(key, v, false)
	return data, ok && retired.IsZero() && !legacy
}

// Key is the store key of a session token: scs's hashToken (what
// HashTokenInStore stores sessions under), which scs does not export
// (TestKeyIsScsHash pins the copy to scs). It allocates only the key.
func Key(token string) string {
	var b [64]byte // a session token is 43 bytes: hashed without a copy on the heap
	sum := sha256.Sum256(append(b[:0], token...))
	var k [keyLen]byte
	base64.RawURLEncoding.Encode(k[:], sum[:])
	return string(k[:])
}

// keyLen is the length of every Key: SHA-256 in unpadded base64.
const keyLen = (sha256.Size*8 + 5) / 6

// sealFor seals b with the first key, bound to key, after the frame byte.
func (c *Codec) sealFor(frame byte, key string, b []byte) []byte {
	aead := c.aeads[0]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(b)+aead.Overhead())
	out[0] = frame
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], b, []byte(key))
}

// openFor opens what sealFor sealed for key, with any of the keys, and
// appends the plaintext to dst.
func (c *Codec) openFor(dst []byte, key string, b []byte) ([]byte, error) {
	for _, aead := range c.aeads {
		if len(b) < aead.NonceSize() {
			break
		}
		if plain, err := aead.Open(dst, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(key)); err == nil {
			return plain, nil
		}
	}
	return nil, errSealedElsewhere
}

var errSealedElsewhere = errors.New("wixauth: the value does not open under its key")

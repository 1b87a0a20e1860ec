// Package session is how wixauth stores sessions: what it writes where, and
// the contract a store implements. Most apps never import it: wixauth.New
// makes the manager from Config.Store and Config.Keys. Import it to share
// the manager with the rest of an app (New), to read keys from the
// environment (ParseKeys), or to write a store (AtomicStore).
//
//   - Keys. A session's store key is the SHA-256 of its cookie (Key: the
//     hash of scs's HashTokenInStore, computed by the Store instead, once
//     per request), so whoever reads the store holds no working cookie.
//   - Frames. Every value written starts with a byte that says what it is:
//     a session in the clear (0xB1), a session sealed with AES-256-GCM whose
//     additional data is its own store key (0xB2), or a tombstone
//     (TombstoneByte, 0xB3). A sealed value copied under another key does
//     not open, and reads as no session, with a Warn log.
//   - Saves are one step each, in the store (AtomicStore.CommitIf: a Lua
//     script on Redis, a lock in memory): a session found at load is
//     written back only if its key still holds a live session, so neither a
//     tombstone nor a key that vanished since the load is ever overwritten;
//     any other save is refused over a tombstone.
//   - Retiring. scs deletes a session's key when it renews the session's
//     token (login, logout) or destroys it; here the key gets a tombstone
//     instead that lives as long as the session could. A renewal
//     (Store.Renew) writes it in one step with the renewed session's
//     first save (AtomicStore.CommitRetiring: one Lua script on Redis, one
//     lock in memory), so that a store failing in between leaves the old
//     session or the new one, never a browser whose cookie leads to a
//     tombstone; a destroy writes it at once.
//   - Older values (unsealed while Keys are set, written by scs's own stores
//     with any codec, or sealed by an older Codec) are refused, except
//     during a migration the operator starts (Options.MigrateUntil), which
//     ends by itself at its date: then they are read once and written back
//     in the new form by the same request. With MigrateUnhashedKeys the
//     migration also reads the sessions a plain scs manager stored under
//     the cookie itself, and moves them to their hashed key.
//   - The load record. What the store learnt while loading a request's
//     session (Load) travels in the request's context (NewContext), so that
//     the save of that request knows which condition to save under.
//
// The backends of package stores implement AtomicStore by importing this
// package only.
package session

package stores

import "github.com/alexedwards/scs/v2/memstore"

// openMemory returns the in-process store.
//
// Its Close is a no-op on purpose: memstore.StopCleanup reads a channel that
// the cleanup goroutine assigns only once it starts running, unsynchronised,
// so calling it is a data race and, if it wins the race, silently does
// nothing. The single cleanup goroutine (one tick a minute) is harmless for a
// store that lives as long as the process, which is the intended use.
func openMemory(cfg config) *Store {
	return &Store{
		Sessions: memstore.New(),
		url:      cfg.redacted,
	}
}

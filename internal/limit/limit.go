// Package limit is the mechanism of the new-visitor limiter: a token
// bucket per key, in a table of bounded size. Which key a request counts
// under, and what happens past the limit, is wixauth's policy
// (newvisitor.go in the root package).
package limit

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// Budget gives each key (a client address) a bucket: perMinute at once,
// refilled at perMinute a minute. Call Init before use.
type Budget struct {
	perMinute float64 // 0: no limit
	mu        sync.Mutex
	buckets   map[string]bucket
}

type bucket struct {
	left float64
	at   time.Time
}

// MaxKeys bounds the keys remembered. Past it, the buckets that are full
// again are forgotten, and if that is not enough, the half with the most
// budget left (never the drained ones).
const MaxKeys = 1 << 16

// Init sets the rate; perMinute <= 0 means no limit.
func (b *Budget) Init(perMinute int) {
	if perMinute > 0 {
		b.perMinute = float64(perMinute)
	}
	b.buckets = make(map[string]bucket)
}

// Take spends one of key's budget and returns 0, or returns how long until
// one is available. The empty key is never limited.
func (b *Budget) Take(key string, now time.Time) time.Duration {
	if b.perMinute == 0 || key == "" {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.buckets[key]
	if !ok {
		if len(b.buckets) >= MaxKeys {
			b.forget(now)
		}
		k = bucket{left: b.perMinute, at: now}
	}
	k.left = math.Min(b.perMinute, k.left+now.Sub(k.at).Minutes()*b.perMinute)
	k.at = now
	if k.left < 1 {
		b.buckets[key] = k
		return time.Duration((1 - k.left) / b.perMinute * float64(time.Minute))
	}
	k.left--
	b.buckets[key] = k
	return 0
}

func (b *Budget) forget(now time.Time) {
	left := func(k bucket) float64 { return k.left + now.Sub(k.at).Minutes()*b.perMinute }
	for a, k := range b.buckets {
		if left(k) >= b.perMinute {
			delete(b.buckets, a)
		}
	}
	if len(b.buckets) < MaxKeys {
		return
	}
	// Every key spent some of its budget lately (a storm from many
	// addresses, one IPv6 /48 say). Forget the half with the most left,
	// never the drained ones: forgetting everyone would hand the storm's
	// busiest keys their whole budget back.
	type entry struct {
		key  string
		left float64
	}
	all := make([]entry, 0, len(b.buckets))
	for a, k := range b.buckets {
		all = append(all, entry{a, left(k)})
	}
	slices.SortFunc(all, func(x, y entry) int { return cmp.Compare(y.left, x.left) })
	for _, e := range all[:len(all)/2] {
		delete(b.buckets, e.key)
	}
}

package wixauth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

// New visitors: the anonymous grant, and the policy that keeps bots from
// spending it. (Renewals of existing sessions are in renewal.go; neither
// policy ever blocks the other.)

// DefaultNewVisitorsPerMinute is the default of Config.NewVisitorsPerMinute.
// See the README's "New visitors and bots" for the numbers behind it.
const DefaultNewVisitorsPerMinute = 60

// NewVisitorLimitError is returned when a client address started more new
// visitor sessions than Config.NewVisitorsPerMinute allows. The default
// ErrorHandler answers it with 429 Too Many Requests and Retry-After; the
// request gets no session and no cookie.
type NewVisitorLimitError struct {
	// RetryAfter is when the address may start a new session again.
	RetryAfter time.Duration
}

// Error says what happened and what the visitor can do.
func (e *NewVisitorLimitError) Error() string {
	return fmt.Sprintf("wixauth: too many new visitor sessions from one address (Config.NewVisitorsPerMinute); the next one is possible in %v", e.RetryAfter)
}

// ErrNoVisitorSession is returned by a Client that needs new visitor
// tokens in a HEAD or OPTIONS request: those requests never start a
// session, since crawlers and preflights send them by the thousand without
// keeping a cookie. Answer them without calling Wix.
var ErrNoVisitorSession = errors.New("wixauth: a HEAD or OPTIONS request without a session gets no visitor tokens: answer it without calling Wix")

// newVisitorTokens asks for a new anonymous visitor pair. After a failure,
// new visitors fail at once for a back-off instead of each calling Wix; that
// back-off is the new visitors' own, and never delays a renewal.
func (a *Auth) newVisitorTokens(ctx context.Context) (Tokens, error) {
	if err := a.anonymous.closed(time.Now()); err != nil {
		return Tokens{}, err
	}
	tr, err := a.requestTokens(ctx, wire.TokenRequest{ClientID: a.cfg.ClientID, GrantType: wire.GrantAnonymous}, "", true)
	if err != nil {
		a.anonymous.fail(err, time.Now(), a.backoffFor(err))
		a.emit(ctx, Event{Kind: EventError, Err: err})
		return Tokens{}, err
	}
	a.anonymous.open()
	a.emit(ctx, Event{Kind: EventNewVisitor, Role: RoleVisitor})
	a.cfg.Logger.Debug("wixauth: new visitor tokens")
	return a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleVisitor}), nil
}

// newVisitorLocked mints new visitor tokens for the Client's request, within
// the budget of its address; the caller holds c.mu.
func (c *Client) newVisitorLocked(ctx context.Context) (Tokens, error) {
	if c.readOnly {
		return Tokens{}, ErrNoVisitorSession
	}
	if c.req != nil {
		if wait := c.a.visitors.take(c.a.clientAddr(c.req), time.Now()); wait > 0 {
			return Tokens{}, &NewVisitorLimitError{RetryAfter: wait}
		}
	}
	return c.a.newVisitorTokens(ctx)
}

// clientAddr is the address that new visitors are counted by: the
// connection's remote address, or the address Config.TrustedAddrHeader
// gives (the TrustedHops-th from the end: the one the app's outermost own
// proxy saw). An IPv6 address counts by its /64, which a single household
// or phone usually holds whole.
//
// It is "" (no budget) for a connection from a loopback or private address
// when no trusted header is configured: that is a proxy in front of the
// app (or a test), through which every visitor arrives from one address,
// and counting them as one would turn real visitors away. With a trusted
// header configured, a request whose header is missing, empty or not an
// address is counted by the connection's address whatever it is: letting
// it through uncounted would let any client pass by sending garbage.
func (a *Auth) clientAddr(r *http.Request) string {
	if h := a.cfg.TrustedAddrHeader; h != "" {
		if ip, ok := headerAddr(r.Header.Values(h), a.cfg.TrustedHops); ok {
			return addrKey(ip)
		}
		return "peer:" + peerHost(r.RemoteAddr)
	}
	ip, err := netip.ParseAddr(peerHost(r.RemoteAddr))
	if err != nil {
		return "" // a Unix socket, or a test's made-up address
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
		return ""
	}
	return addrKey(ip)
}

// headerAddr returns the hops-th address from the end of a trusted
// header's values (all its lines, comma-separated), or false when it holds
// no address there.
func headerAddr(values []string, hops int) (netip.Addr, bool) {
	list := strings.Split(strings.Join(values, ","), ",")
	v := strings.TrimSpace(list[max(0, len(list)-hops)])
	if host, _, err := net.SplitHostPort(v); err == nil {
		v = host
	}
	ip, err := netip.ParseAddr(strings.Trim(v, "[]"))
	return ip.Unmap(), err == nil
}

// peerHost is the host part of a connection's remote address.
func peerHost(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote[:min(len(remote), 64)]
}

// addrKey is the budget key of ip: itself, or its /64 for IPv6.
func addrKey(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// visitorBudget gives each client address a bucket of new visitor sessions:
// perMinute of them at once, refilled at perMinute a minute.
type visitorBudget struct {
	perMinute float64 // 0: no limit
	mu        sync.Mutex
	buckets   map[string]bucket
}

type bucket struct {
	left float64
	at   time.Time
}

// maxAddrs bounds the addresses remembered. Past it, the buckets that are
// full again are forgotten, and if that is not enough, all of them (a
// storm from that many addresses is beyond what a per-address budget can
// help with; the anonymous grant's back-off still applies).
const maxAddrs = 1 << 16

func (b *visitorBudget) init(perMinute int) {
	if perMinute > 0 {
		b.perMinute = float64(perMinute)
	}
	b.buckets = make(map[string]bucket)
}

// take spends one new session of addr's budget and returns 0, or returns
// how long until one is available.
func (b *visitorBudget) take(addr string, now time.Time) time.Duration {
	if b.perMinute == 0 || addr == "" {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	k, ok := b.buckets[addr]
	if !ok {
		if len(b.buckets) >= maxAddrs {
			b.forget(now)
		}
		k = bucket{left: b.perMinute, at: now}
	}
	k.left = math.Min(b.perMinute, k.left+now.Sub(k.at).Minutes()*b.perMinute)
	k.at = now
	if k.left < 1 {
		b.buckets[addr] = k
		return time.Duration((1 - k.left) / b.perMinute * float64(time.Minute))
	}
	k.left--
	b.buckets[addr] = k
	return 0
}

func (b *visitorBudget) forget(now time.Time) {
	left := func(k bucket) float64 { return k.left + now.Sub(k.at).Minutes()*b.perMinute }
	for a, k := range b.buckets {
		if left(k) >= b.perMinute {
			delete(b.buckets, a)
		}
	}
	if len(b.buckets) < maxAddrs {
		return
	}
	// Every address spent some of its budget lately (a storm from many
	// addresses, one IPv6 /48 say). Forget the half with the most left,
	// never the drained ones: forgetting everyone would hand the storm's
	// busiest addresses their whole budget back.
	type entry struct {
		addr string
		left float64
	}
	all := make([]entry, 0, len(b.buckets))
	for a, k := range b.buckets {
		all = append(all, entry{a, left(k)})
	}
	slices.SortFunc(all, func(x, y entry) int { return cmp.Compare(y.left, x.left) })
	for _, e := range all[:len(all)/2] {
		delete(b.buckets, e.addr)
	}
}

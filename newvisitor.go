package wixauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

// New visitors: the anonymous grant, and the policy that keeps bots from
// spending it. (Renewals of existing sessions are in renewal.go; neither
// policy ever blocks the other.)

// defaultNewVisitorsPerMinute is the default of Config.NewVisitorsPerMinute.
// See the README's "New visitors and bots" for the numbers behind it.
const defaultNewVisitorsPerMinute = 60

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
	if err := a.anonymous.Closed(time.Now()); err != nil {
		return Tokens{}, err
	}
	tr, err := a.requestTokens(ctx, wire.TokenRequest{ClientID: a.cfg.ClientID, GrantType: wire.GrantAnonymous}, "", true)
	if err != nil {
		a.anonymous.Fail(err, time.Now(), a.backoffFor(err))
		a.emit(ctx, Event{Kind: EventError, Err: err})
		return Tokens{}, err
	}
	a.anonymous.Open()
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
		if wait := c.a.visitors.Take(c.a.clientAddr(c.req), time.Now()); wait > 0 {
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

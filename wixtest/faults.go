package wixtest

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
)

// Endpoint names a group of the fake's URLs, for faults and counters.
type Endpoint string

// The fake's endpoints.
const (
	EndpointToken           Endpoint = "token"            // POST /oauth2/token
	EndpointTokenInfo       Endpoint = "token-info"       // POST /oauth2/token-info
	EndpointSignOn          Endpoint = "sign-on"          // POST /_api/iam/authentication/v2/sign-on
	EndpointRedirectSession Endpoint = "redirect-session" // POST /_api/redirects-api/v1/redirect-session and POST /redirect-session/v1/redirect-session
	EndpointLogin           Endpoint = "login"            // POST /_api/iam/authentication/v2/login
	EndpointRegister        Endpoint = "register"         // POST /_api/iam/authentication/v2/register
	EndpointVerify          Endpoint = "verify"           // POST /_api/iam/verification/v1/auth/verify
	EndpointRecovery        Endpoint = "recovery"         // POST /_api/iam/recovery/v1/send-email
	EndpointMembersMy       Endpoint = "members-my"       // GET /members/v1/members/my
	EndpointCart            Endpoint = "cart"             // GET /ecom/v1/carts/current
	EndpointAddToCart       Endpoint = "add-to-cart"      // POST /ecom/v1/carts/current/add-to-cart
	EndpointCreateCheckout  Endpoint = "create-checkout"  // POST /ecom/v1/carts/current/create-checkout
	EndpointLoginPage       Endpoint = "login-page"       // the hosted login page of auth sessions (GET/POST, and its cancel link)
	EndpointLogoutPage      Endpoint = "logout-page"      // the fullUrl of logout sessions
	EndpointRedirectPage    Endpoint = "redirect-page"    // the fullUrl of other sessions (login warm-up, checkout, ...) and unknown session pages
	EndpointOther           Endpoint = "other"            // any other path (answered 404)
)

// Fault is a failure to inject on an endpoint, applied before the normal
// handling of a request.
type Fault struct {
	// Status, when not 0, is answered instead of the real answer.
	Status int
	// Body is sent with Status, verbatim; the default is a Wix-shaped JSON
	// error for that status (also on the token endpoint, whose own errors
	// are RFC 6749 bodies). Its Content-Type comes from Header, else
	// text/html when it starts with '<', else application/json when it is
	// valid JSON, else text/plain.
	Body string
	// Header holds extra headers (e.g. Retry-After), also for Status 0.
	Header http.Header
	// Delay waits before answering (the real answer, or Status), in real time.
	// The wait ends early when the client goes away or the server closes.
	Delay time.Duration
	// Hang never answers, until the client goes away or the server closes.
	Hang bool
	// Reset drops the connection without answering (a TCP reset where
	// possible). Note that Go's http.Transport silently retries an
	// idempotent request (GET) once when a reused connection is reset, so
	// a Times: 1 reset of a GET may go unnoticed by a Go client.
	Reset bool
	// Times is how many requests the fault applies to; 0 means until
	// ClearFaults.
	Times int
	// Grant, for EndpointToken only, limits the fault to that grant_type.
	Grant string
}

type activeFault struct {
	Fault
	left int // remaining uses when Times > 0
}

// Fail adds a fault to an endpoint. Faults on one endpoint apply in the order
// they were added: the first one that matches a request is used, and one
// with Times runs out after that many requests.
func (s *Server) Fail(e Endpoint, f Fault) {
	s.mu.Lock()
	s.faults[e] = append(s.faults[e], &activeFault{Fault: f, left: f.Times})
	s.mu.Unlock()
}

// ClearFaults removes all faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	clear(s.faults)
	s.mu.Unlock()
}

func (s *Server) takeFault(e Endpoint, grant string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.faults[e]
	for i, f := range list {
		if f.Grant != "" && f.Grant != grant {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults[e] = append(list[:i:i], list[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// applyFault carries a fault out; it reports whether the request is answered
// (or abandoned) and normal handling must be skipped.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, e Endpoint, f Fault) bool {
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.closed:
			writeAppError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "server closed")
			return true
		}
	}
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
			writeAppError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "server closed")
		}
		return true
	case f.Reset:
		resetConn(w)
		return true
	case f.Status != 0:
		writeFaultBody(w, e, f)
		return true
	}
	return false
}

func writeFaultBody(w http.ResponseWriter, e Endpoint, f Fault) {
	if f.Body == "" {
		desc := http.StatusText(f.Status)
		if desc == "" {
			desc = "injected fault"
		}
		writeAppError(w, f.Status, statusCode(f.Status), desc+" (wixtest fault on "+string(e)+")")
		return
	}
	if w.Header().Get("Content-Type") == "" {
		switch {
		case strings.HasPrefix(strings.TrimSpace(f.Body), "<"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case json.Valid([]byte(f.Body)):
			w.Header().Set("Content-Type", "application/json")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body))
}

// resetConn drops the connection. SO_LINGER 0 makes the close a TCP RST, the
// closest thing to a real reset; where hijacking is impossible (HTTP/2) the
// stream is aborted instead.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

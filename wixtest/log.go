package wixtest

import (
	"net/http"
	"time"
)

// Request is one request the fake received, as kept in its log.
type Request struct {
	Endpoint Endpoint
	Method   string
	Path     string
	Header   http.Header
	Body     []byte // raw body as received
	Grant    string // for token calls: the grant type
	// Status is what the fake answered; 0 while the request is still being
	// handled, or if it got no answer (Reset, Hang, client gone).
	Status int
	Time   time.Time // by the fake's clock
}

// record logs a request on arrival, so that Count sees requests stuck in a
// Hang or Delay fault.
func (s *Server) record(e Endpoint, r *http.Request, body []byte, grant string) *Request {
	req := &Request{
		Endpoint: e,
		Method:   r.Method,
		Path:     r.URL.Path,
		Header:   r.Header.Clone(),
		Body:     body,
		Grant:    grant,
		Time:     s.Now(),
	}
	s.logMu.Lock()
	s.log = append(s.log, req)
	s.logMu.Unlock()
	return req
}

func (s *Server) finish(req *Request, status int) {
	s.logMu.Lock()
	req.Status = status
	s.logMu.Unlock()
}

// Requests returns a copy of the log, in order of arrival.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = append([]byte(nil), r.Body...)
	}
	return out
}

// Count returns how many requests reached the endpoint, faulted ones included.
func (s *Server) Count(e Endpoint) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Endpoint == e {
			n++
		}
	}
	return n
}

// TokenCalls returns how many token endpoint calls had that grant type ("" for
// all of them).
func (s *Server) TokenCalls(grant string) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Endpoint == EndpointToken && (grant == "" || r.Grant == grant) {
			n++
		}
	}
	return n
}

// ResetCounters clears the log, and so all counters.
func (s *Server) ResetCounters() {
	s.logMu.Lock()
	s.log = nil
	s.logMu.Unlock()
}

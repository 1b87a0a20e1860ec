package wixtest

import (
	"html/template"
	"net/http"
	"strings"
)

// page is what the hosted-page template shows.
type page struct {
	Kind      string // "login", "verify", "message" or "web_message"
	Title     string
	Message   string
	Error     string
	Email     string
	Action    string
	CancelURL string
	Links     []pageLink
	Data      map[string]string // web_message payload
	Origin    string            // web_message target origin
}

type pageLink struct{ ID, Text, URL string }

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · wixtest</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.4rem;box-sizing:border-box}button{padding:.4rem 1.2rem}.error{color:#b00020}small{color:#777}</style>
</head><body>
<p><small>wixtest: a fake of a page hosted by Wix</small></p>
<h1>{{.Title}}</h1>
{{with .Error}}<p class="error" id="wixtest-error" role="alert">{{.}}</p>{{end}}
{{- if eq .Kind "login"}}
<form method="post" action="{{.Action}}">
<label>Email <input type="email" name="email" value="{{.Email}}" autocomplete="username" autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit" id="wixtest-login">Sign in</button>
</form>
<p><a id="wixtest-cancel" href="{{.CancelURL}}">Cancel</a></p>
{{- else if eq .Kind "verify"}}
<p id="wixtest-message">We sent a 6-digit code to {{.Email}}.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="step" value="verify">
<label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" autofocus></label>
<button type="submit" id="wixtest-verify">Verify</button>
</form>
<p><a id="wixtest-cancel" href="{{.CancelURL}}">Cancel</a></p>
{{- else if eq .Kind "web_message"}}
<script>window.parent.postMessage({{.Data}}, {{.Origin}});</script>
{{- else}}
<p id="wixtest-message">{{.Message}}</p>
{{- range .Links}}
<p><a id="{{.ID}}" href="{{.URL}}">{{.Text}}</a></p>
{{- end}}
{{- end}}
</body></html>
`))

func writePage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, p)
}

// routePage maps hosted-page URLs to their endpoint, which depends on the
// redirect session's intent.
func (s *Server) routePage(r *http.Request) (Endpoint, []string, handlerFunc, bool) {
	p := r.URL.Path
	var id, action string
	switch {
	case strings.HasPrefix(p, pagePrefix):
		id, action, _ = strings.Cut(p[len(pagePrefix):], "/")
	case strings.HasPrefix(p, shortPrefix):
		s.mu.Lock()
		id = s.shortLinks[p[len(shortPrefix):]]
		s.mu.Unlock()
	default:
		return "", nil, nil, false
	}
	s.mu.Lock()
	rs := s.redirects[id]
	intent := ""
	if rs != nil {
		intent = rs.intent
	}
	s.mu.Unlock()
	get := []string{http.MethodGet}
	switch {
	case rs == nil || (action != "" && !(intent == "auth" && action == "cancel")):
		return EndpointRedirectPage, get, (*Server).serveMissingPage, true
	case intent == "auth" && action == "cancel":
		return EndpointLoginPage, get, func(s *Server, w http.ResponseWriter, r *http.Request, _ []byte) { s.serveCancel(w, id) }, true
	case intent == "auth":
		return EndpointLoginPage, []string{http.MethodGet, http.MethodPost}, func(s *Server, w http.ResponseWriter, r *http.Request, body []byte) {
			s.serveAuthPage(w, r, body, id)
		}, true
	case intent == "logout":
		return EndpointLogoutPage, get, func(s *Server, w http.ResponseWriter, r *http.Request, _ []byte) { s.serveLogout(w, r, id) }, true
	}
	return EndpointRedirectPage, get, func(s *Server, w http.ResponseWriter, r *http.Request, _ []byte) { s.serveGenericPage(w, id) }, true
}

func (s *Server) serveMissingPage(w http.ResponseWriter, _ *http.Request, _ []byte) {
	writePage(w, http.StatusNotFound, page{Title: "Page not found", Message: "No such redirect session."})
}

// serveLogout ends the Wix-side session (the fake keeps none) and sends the
// browser on to callbacks.postFlowUrl.
func (s *Server) serveLogout(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	to := s.redirects[id].callbacks.PostFlowURL
	s.mu.Unlock()
	if to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	writePage(w, http.StatusOK, page{Title: "Logged out", Message: "You are logged out."})
}

// serveGenericPage stands in for Wix's checkout, product and account pages,
// and for the login warm-up page.
func (s *Server) serveGenericPage(w http.ResponseWriter, id string) {
	s.mu.Lock()
	rs := *s.redirects[id]
	s.mu.Unlock()
	p := page{Title: "Wix page: " + rs.intent, Message: "Fake Wix page for " + rs.intent + ": " + string(rs.details)}
	if rs.intent == "login" {
		p.Title, p.Message = "Session synced", "The Wix session cookie is in place."
	}
	for _, l := range []pageLink{
		{"wixtest-continue", "Continue", rs.callbacks.PostFlowURL},
		{"wixtest-thank-you", "Thank you page", rs.callbacks.ThankYouPageURL},
		{"wixtest-cart", "Back to cart", rs.callbacks.CartPageURL},
	} {
		if l.URL != "" {
			p.Links = append(p.Links, l)
		}
	}
	writePage(w, http.StatusOK, p)
}

package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/wixauth/wixauth"
)

// pageData is what the templates get. Handlers fill what their page shows;
// render adds the session status and the demo hint. It never holds a token.
type pageData struct {
	Title   string
	Session sessionInfo
	Demo    *demoHint // set when the embedded fake Wix is in use

	Member     *member   // home (members only) and account
	Cart       *cartView // home and account
	LoginError string    // a hosted login that was cancelled or failed
	Form       loginForm // the login page
	Message    string    // the error page
}

type sessionInfo struct {
	Role     string
	LoggedIn bool
}

// loginForm is the outcome of a posted form, which the member handlers put
// in the query of the login page.
type loginForm struct {
	Flow, State, ErrorCode, Error string
	Notice                        string
	Verify                        bool // show the verification code form
}

// home shows the visitor's status and cart.
func (a *app) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := wixauth.FromRequest(r)
	d := &pageData{Title: "Home", LoginError: loginError(r)}
	if c.LoggedIn() {
		m, err := fetchMember(ctx, c)
		if err != nil {
			a.wixFailed(w, r, "load your member profile", err)
			return
		}
		d.Member = m
	}
	if !a.loadCart(w, r, d) {
		return
	}
	a.render(w, r, http.StatusOK, "home", d)
}

// cartAdd adds the demo item, then shows the cart again (post/redirect/get).
func (a *app) cartAdd(w http.ResponseWriter, r *http.Request) {
	if _, err := addDemoItem(r.Context(), wixauth.FromRequest(r)); err != nil {
		a.wixFailed(w, r, "add the item to your cart", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// login shows the email/password, register, verification and password
// reset forms, with the outcome of the last post.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := loginForm{
		Flow:      short(q.Get("flow")),
		State:     short(q.Get("state")),
		ErrorCode: short(q.Get("errorCode")),
		Error:     short(q.Get("error")),
	}
	f.Verify = f.State == string(wixauth.LoginEmailVerificationRequired)
	switch {
	case f.Error != "":
	case f.Flow == "password-reset":
		f.Notice = "If this email belongs to a member, a reset link is on its way."
	case f.Verify:
		f.Notice = "We emailed you a verification code. Enter it below to finish."
	}
	a.render(w, r, http.StatusOK, "login", &pageData{Title: "Log in", Form: f, LoginError: loginError(r)})
}

// account is for members only: a visitor is sent to Wix's login page, and
// comes back here once logged in.
func (a *app) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := wixauth.FromRequest(r)
	if !c.LoggedIn() {
		http.Redirect(w, r, "/auth/login?"+url.Values{"returnTo": {"/account"}}.Encode(), http.StatusSeeOther)
		return
	}
	m, err := fetchMember(ctx, c)
	if err != nil {
		a.wixFailed(w, r, "load your member profile", err)
		return
	}
	d := &pageData{Title: "Your account", Member: m}
	if !a.loadCart(w, r, d) {
		return
	}
	a.render(w, r, http.StatusOK, "account", d)
}

// loadCart puts the cart in d, or answers the error and reports false.
func (a *app) loadCart(w http.ResponseWriter, r *http.Request, d *pageData) bool {
	raw, err := fetchCart(r.Context(), wixauth.FromRequest(r))
	if err == nil {
		d.Cart, err = newCartView(raw)
	}
	if err != nil {
		a.wixFailed(w, r, "load your cart", err)
		return false
	}
	return true
}

// loginError words the error of a hosted login that came back without a
// member (the member pressed Cancel on Wix's page).
func loginError(r *http.Request) string {
	if e := r.URL.Query().Get("loginError"); e != "" {
		return "The login on Wix was cancelled or did not complete (" + short(e) + ")."
	}
	return ""
}

// short cuts a query value meant for display to a sane length.
func short(s string) string {
	const max = 300
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// render executes the page into a buffer first, so that a template error
// still gets a clean error answer, then writes it with status.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, page string, d *pageData) {
	if c := wixauth.FromRequest(r); c != nil {
		d.Session = sessionInfo{Role: string(c.Role()), LoggedIn: c.LoggedIn()}
	}
	d.Demo = a.demoHint()
	var buf bytes.Buffer
	if err := a.pages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		a.log.Error("example: rendering a page failed", slog.String("page", page), slog.Any("error", err))
		http.Error(w, "Internal error: the page could not be rendered.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages show the member's data
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

package main

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/members"
)

// pageData is what the templates get. Handlers fill what their page shows;
// render adds the session status and the demo hint. It never holds a token.
type pageData struct {
	Title   string
	Session sessionInfo
	Demo    *demoHint // set when the embedded fake Wix is in use

	Member     *members.Member // home (members only) and account
	Cart       *ecom.Cart      // home and account
	LoginError string          // a hosted login that was cancelled or failed
	Form       loginForm       // the login page
	Message    string          // the error page
}

type sessionInfo struct {
	Role     string
	LoggedIn bool
}

// loginForm is the outcome of the last posted form, as the member handlers
// sent it to the login page: codes, worded here by fixed messages. Nothing
// from the URL is shown as text.
type loginForm struct {
	Error, Notice string
	ReturnTo      string
	Verify        bool // show the verification code form
}

// home shows the visitor's status and cart.
func (a *app) home(w http.ResponseWriter, r *http.Request) {
	d := &pageData{Title: "Home"}
	if wixauth.FromRequest(r).LoggedIn() {
		m, err := a.members.Member(r) // kept in the session: no Wix call per page
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
	if _, err := ecom.AddToCart(r.Context(), wixauth.FromRequest(r), demoItem); err != nil {
		a.wixFailed(w, r, "add the item to your cart", err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// login shows the email/password, register, verification and password
// reset forms, with the outcome of the last post (handlers.Outcome).
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	o := a.members.Outcome(r)
	d := &pageData{Title: "Log in"}
	f := loginForm{ReturnTo: o.ReturnTo, Verify: o.State == identity.LoginEmailVerificationRequired}
	if f.ReturnTo == "" || f.ReturnTo == "/" {
		f.ReturnTo = "/account"
	}
	switch msg := o.Message(); {
	case o.Flow == handlers.FlowCallback:
		d.LoginError = msg // the hosted login came back without a member
	case msg != "":
		f.Error = msg
	case o.Flow == handlers.FlowPasswordReset:
		f.Notice = "If this email belongs to a member, a reset link is on its way."
	case f.Verify:
		f.Notice = "We emailed you a verification code. Enter it below to finish."
	}
	d.Form = f
	a.render(w, r, http.StatusOK, "login", d)
}

// account is for members only (RequireMember sends a visitor to Wix's
// login page, and back here once logged in).
func (a *app) account(w http.ResponseWriter, r *http.Request) {
	m, err := a.members.Member(r)
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
	cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		a.wixFailed(w, r, "load your cart", err)
		return false
	}
	d.Cart = cart
	return true
}

// render executes the page into a buffer first, so that a template error
// still gets a clean error answer, then writes it with status.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, page string, d *pageData) {
	if c := wixauth.FromRequest(r); c != nil {
		d.Session = sessionInfo{Role: string(c.Tokens().Role()), LoggedIn: c.LoggedIn()}
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

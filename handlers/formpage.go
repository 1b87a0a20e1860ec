package handlers

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/wixauth/wixauth/identity"
)

// formPage is the path of the built-in form page under Prefix.
const formPage = "/form"

// FormPage is a minimal login page, the default Config.FormPath
// (Prefix+"/form"), so that an app without a page of its own still has
// somewhere to send a failed form or a cancelled hosted login. It shows
// the Outcome's message (fixed text for an error code, never text from the
// URL), the email/password form, or the code form when a verification is
// pending, and a link to Wix's hosted login page. An app with its own page
// sets FormPath and reads the outcome with Handlers.Outcome.
func (h *Handlers) FormPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := h.Outcome(r)
		returnTo := o.ReturnTo
		if returnTo == "" {
			returnTo = h.cfg.DefaultReturnTo
		}
		d := formPageData{
			Message:  o.Message(),
			Prefix:   h.cfg.Prefix,
			ReturnTo: returnTo,
			Hosted:   h.cfg.Prefix + "/login?returnTo=" + url.QueryEscape(returnTo),
			Verify:   o.State == identity.LoginEmailVerificationRequired,
			Approval: o.State == identity.LoginOwnerApprovalRequired,
		}
		if o.Flow == FlowPasswordReset && o.ErrorCode == "" {
			d.Notice = "If this email belongs to a member, a link to choose a new password is on its way."
		}
		if d.Verify && d.Message == "" {
			d.Notice = "We emailed you a code. Enter it to finish logging in."
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		if err := formTemplate.Execute(w, d); err != nil {
			h.log.Error("wixauth/handlers: rendering the form page failed", slog.Any("error", err))
		}
	})
}

type formPageData struct {
	Message, Notice          string
	Prefix, ReturnTo, Hosted string
	Verify, Approval         bool
}

var formTemplate = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}.error{color:#a00}</style>
</head><body>
<h1>Log in</h1>
{{with .Message}}<p class="error" role="alert" id="wixauth-error">{{.}}</p>{{end}}
{{with .Notice}}<p role="status" id="wixauth-notice">{{.}}</p>{{end}}
{{if .Verify}}
<form method="post" action="{{.Prefix}}/verify">
<label>Code from the email <input name="code" autocomplete="one-time-code" inputmode="numeric" required></label>
<button type="submit" id="wixauth-verify">Verify</button>
</form>
{{else if not .Approval}}
<form method="post" action="{{.Prefix}}/login">
<input type="hidden" name="returnTo" value="{{.ReturnTo}}">
<label>Email <input type="email" name="email" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit" id="wixauth-login">Log in</button>
</form>
{{end}}
<p><a id="wixauth-hosted" href="{{.Hosted}}">Log in on Wix's page</a></p>
</body></html>
`))

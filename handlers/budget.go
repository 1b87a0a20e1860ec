package handlers

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
)

// Budget is how many calls of one kind may be made in each window of Per.
type Budget struct {
	// N is the number of calls per window; a negative N is no limit.
	N int
	// Per is the window: fixed windows of this length, the same on every
	// instance (they start at multiples of Per since the Unix epoch).
	Per time.Duration
}

// Budgets bound the calls to Wix that clients can cause through the
// handlers: the ones that make Wix send mail (password reset, a login or
// registration that emails a code) or create a session on Wix's side (each
// login start is a redirect session). A call past a budget never reaches
// Wix: the answer is 429 Too Many Requests with Retry-After and a plain
// message. The counts are in Config.Counter, so that they hold across
// instances. Zero fields take the defaults (see the README for why these
// numbers); renewals, new visitors and the app's own API calls are never
// counted, so a client that spends a budget cannot delay a member's
// renewal.
type Budgets struct {
	// ResetPerSession bounds the password reset emails one session asks
	// for, whatever the addresses. The default is 5 an hour.
	ResetPerSession Budget
	// ResetPerAddress bounds the password reset emails sent to one email
	// address, whoever asks. The default is 3 an hour.
	ResetPerAddress Budget
	// FormPerSession bounds the login and registration forms one session
	// sends to Wix. The default is 20 in 10 minutes.
	FormPerSession Budget
	// FormPerAddress bounds the login and registration forms for one email
	// address (each may make Wix email a code). The default is 10 in 10
	// minutes. The hosted login is not counted by address, so a member
	// whose address someone else spent still logs in there.
	FormPerAddress Budget
	// StartsPerSession bounds the hosted logins one session starts. The
	// default is 20 in 10 minutes.
	StartsPerSession Budget
	// Global bounds all of the above together, for the whole app. The
	// default is 100 a minute: half of Wix's rate limit (about 200 calls a
	// minute), so that a flood of them leaves the other half to renewals
	// and new visitors.
	Global Budget
}

// withDefaults fills the zero fields.
func (b Budgets) withDefaults() Budgets {
	def := func(p *Budget, n int, per time.Duration) {
		if p.N == 0 {
			p.N = n
		}
		if p.Per <= 0 {
			p.Per = per
		}
	}
	def(&b.ResetPerSession, 5, time.Hour)
	def(&b.ResetPerAddress, 3, time.Hour)
	def(&b.FormPerSession, 20, 10*time.Minute)
	def(&b.FormPerAddress, 10, 10*time.Minute)
	def(&b.StartsPerSession, 20, 10*time.Minute)
	def(&b.Global, 100, time.Minute)
	return b
}

// cost is one kind of budgeted call.
type cost int

const (
	costReset cost = iota // a password reset email
	costForm              // a login or registration form sent to Wix
	costStart             // a hosted login started
)

// spend counts one call of kind c for r's session, the email address (if
// any) and the app, and reports whether it may go to Wix. If not, it has
// answered 429 (or 503 when the counter failed).
func (h *Handlers) spend(w http.ResponseWriter, r *http.Request, c cost, email string) bool {
	b := h.cfg.Budgets
	type check struct {
		name, id string
		b        Budget
	}
	var checks []check
	session := h.sessionID(r)
	email = strings.ToLower(strings.TrimSpace(email))
	switch c {
	case costReset:
		checks = []check{{"reset-session", session, b.ResetPerSession}, {"reset-address", email, b.ResetPerAddress}}
	case costForm:
		checks = []check{{"form-session", session, b.FormPerSession}, {"form-address", email, b.FormPerAddress}}
	case costStart:
		checks = []check{{"start-session", session, b.StartsPerSession}}
	}
	checks = append(checks, check{"global", "app", b.Global})
	now := h.cfg.Now()
	for _, ck := range checks {
		if ck.id == "" || ck.b.N < 0 {
			continue
		}
		window := now.UnixMilli() / ck.b.Per.Milliseconds()
		end := time.UnixMilli((window + 1) * ck.b.Per.Milliseconds())
		key := hashKey("budget-"+ck.name, ck.id) + ":" + strconv.FormatInt(window, 36)
		n, err := h.cfg.Counter.Add(r.Context(), key, 1, end.Sub(now)+time.Second)
		if err != nil {
			h.log.Error("wixauth/handlers: counting in the shared store failed", slog.String("budget", ck.name), slog.Any("error", err))
			w.Header().Set("Retry-After", "5")
			http.Error(w, "The site cannot take this request right now. Please try again in a few seconds.", http.StatusServiceUnavailable)
			return false
		}
		if n > int64(ck.b.N) {
			h.log.Info("wixauth/handlers: budget spent", slog.String("budget", ck.name))
			secs := int64((end.Sub(now) + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			w.Header().Set("Cache-Control", "no-store")
			tooMany(w, r, "Too many requests of this kind right now. Please try again in "+wait(secs)+".")
			return false
		}
	}
	return true
}

// ErrorCodeTooManyRequests is the errorCode of a JSON request refused by a
// budget (see Budgets); other requests get the message as plain text.
const ErrorCodeTooManyRequests identity.ErrorCode = "tooManyRequests"

// tooMany answers 429 with msg: as JSON to an API call, else plain text.
func tooMany(w http.ResponseWriter, r *http.Request, msg string) {
	if !WantsJSON(r) {
		http.Error(w, msg, http.StatusTooManyRequests)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	json.NewEncoder(w).Encode(Result{Error: msg, ErrorCode: ErrorCodeTooManyRequests})
}

// sessionID identifies r's session for its budgets: the session token, or
// for a session not saved yet, its refresh token. "" (no session at all)
// leaves the session budgets out; the address and global ones still count,
// and the middleware bounds new sessions per client address.
func (h *Handlers) sessionID(r *http.Request) string {
	if t := h.sessions.Token(r.Context()); t != "" {
		return "s:" + t
	}
	if rt := wixauth.FromRequest(r).Tokens().RefreshToken.Value; rt != "" {
		return "r:" + rt
	}
	return ""
}

// wait words a Retry-After for people.
func wait(secs int64) string {
	switch {
	case secs <= 1:
		return "a second"
	case secs < 90:
		return strconv.FormatInt(secs, 10) + " seconds"
	}
	return strconv.FormatInt((secs+59)/60, 10) + " minutes"
}

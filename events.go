package wixauth

import "context"

// EventKind names what happened to a session.
type EventKind string

// The events passed to Config.OnEvent. One token call is one event: a
// renewal shared by many requests is reported once.
const (
	EventNewVisitor   EventKind = "new_visitor"   // new visitor tokens
	EventRenewal      EventKind = "renewal"       // an access token renewed
	EventSessionEnded EventKind = "session_ended" // Wix refused a refresh token, or it kept failing (Config.GiveUpAfter)
	EventLogin        EventKind = "login"         // member tokens stored
	EventLogout       EventKind = "logout"        // member logged out
	EventError        EventKind = "error"         // a token call failed
	// EventTokensUnsaved: tokens changed after the response started, so
	// they could not be saved (see Config.Lazy).
	EventTokensUnsaved EventKind = "tokens_unsaved"
	// EventRequestRefused: the middleware answered through
	// Config.ErrorHandler instead of the app's handler; Err says why (a
	// *NewVisitorLimitError, a *StoreError, or Wix's failure).
	EventRequestRefused EventKind = "request_refused"
)

// Event is what Config.OnEvent receives. It never holds a token.
type Event struct {
	Kind EventKind
	// Role is the role of the session the event is about.
	Role Role
	// Err is the failure, for EventError and EventSessionEnded; an
	// *APIError carries Wix's request ID.
	Err error
}

func (a *Auth) emit(ctx context.Context, e Event) {
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(ctx, e)
	}
}

package handlers_test

import (
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

// Every credential failure of a login is one answer (status, code and
// message) unless DetailedLoginErrors, so that the form cannot tell an
// unknown email from a member: a wrong password, an unknown email, and a
// member whose account must reset its password, which Wix answers with
// resetPassword whatever password is typed (issue #20, finding 7). The
// near miss: with DetailedLoginErrors each keeps its own code.
func TestCredentialFailuresAreOneAnswer(t *testing.T) {
	for _, detailed := range []bool{false, true} {
		e := newEnv(t, options{handlers: func(c *handlers.Config) { c.DetailedLoginErrors = detailed }})
		e.wix.AddMember(wixtest.Member{Email: "reset@example.com", Password: wixtest.ResetRequiredPassword})
		type answer struct {
			status int
			code   string
			msg    string
		}
		try := func(email, pw string) answer {
			status, res := e.browser().postJSON("/auth/login", map[string]string{"email": email, "password": pw})
			return answer{status, res.ErrorCode, res.Error}
		}
		got := map[string]answer{
			"wrong password": try(wixtest.DemoEmail, "wrong-password"),
			"unknown email":  try("nobody@example.com", "wrong-password"),
			"reset required": try("reset@example.com", "wrong-password"),
		}
		if !detailed {
			want := answer{401, string(handlers.ErrorCodeInvalidCredentials), handlers.Message(handlers.ErrorCodeInvalidCredentials)}
			for name, a := range got {
				if a != want {
					t.Errorf("default, %s: %+v, want %+v like every other credential failure", name, a, want)
				}
			}
			continue
		}
		for name, code := range map[string]identity.ErrorCode{"wrong password": identity.ErrorCodeInvalidPassword, "unknown email": identity.ErrorCodeInvalidEmail, "reset required": identity.ErrorCodeResetPassword} {
			if got[name].code != string(code) {
				t.Errorf("DetailedLoginErrors, %s: %+v, want %s", name, got[name], code)
			}
		}
	}
}

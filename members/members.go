// Package members has typed helpers for the site member of a request's
// wixauth.Client: who is logged in (Current). For a member's profile kept
// in the session, fetched once per login, and for members-only pages, see
// the handlers package (Handlers.Member, Handlers.RequireMember).
package members

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wixauth/wixauth"
)

const myPath = "/members/v1/members/my"

// Member is the logged-in site member, as Wix's Members API gives it.
type Member struct {
	ID         string `json:"id"`
	LoginEmail string `json:"loginEmail"`
	ContactID  string `json:"contactId"`
	// Status is "APPROVED", or "PENDING" while the owner has not approved
	// the member.
	Status  string  `json:"status"`
	Profile Profile `json:"profile"`
}

// Profile is the public part of a member.
type Profile struct {
	Nickname string `json:"nickname"`
	Slug     string `json:"slug"`
}

// Name is what to call the member: the nickname, else the login email.
func (m *Member) Name() string {
	if m.Profile.Nickname != "" {
		return m.Profile.Nickname
	}
	return m.LoginEmail
}

// Current returns the member logged in on c's session. A visitor session
// is wixauth.ErrNotMember without a call to Wix; Wix refusing the member
// (403, such as a member deleted meanwhile) is ErrNotMember too, wrapping
// Wix's answer.
func Current(ctx context.Context, c *wixauth.Client) (*Member, error) {
	if c == nil {
		return nil, wixauth.ErrNoClient
	}
	if !c.LoggedIn() {
		return nil, wixauth.ErrNotMember
	}
	var out struct {
		Member *Member `json:"member"`
	}
	err := c.Get(ctx, myPath, &out)
	var ae *wixauth.APIError
	if errors.As(err, &ae) && (ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusNotFound) {
		return nil, fmt.Errorf("%w: %w", wixauth.ErrNotMember, err)
	}
	if err != nil {
		return nil, err
	}
	if out.Member == nil || out.Member.ID == "" {
		return nil, errors.New("members: Wix answered members/my without a member")
	}
	return out.Member, nil
}

package wixauth

import "time"

// Role says whose tokens a session holds.
type Role string

// The roles a refresh token can carry, as Wix and the JavaScript SDK name them.
const (
	// RoleNone is the role of an empty token set, such as after logout.
	RoleNone Role = "none"
	// RoleVisitor is an anonymous site visitor.
	RoleVisitor Role = "visitor"
	// RoleMember is a logged-in site member.
	RoleMember Role = "member"
)

// AccessToken authorizes Wix API calls for a few hours.
type AccessToken struct {
	// Value is sent as is in the Authorization header.
	Value string `json:"value"`
	// ExpiresAt is a Unix time in seconds, computed when the token arrived as
	// now + expires_in.
	ExpiresAt int64 `json:"expiresAt"`

	// issued is when the token arrived, in Unix milliseconds (0: unknown,
	// as for tokens decoded from the SDK's JSON). With ExpiresAt it gives
	// the lifetime Wix granted, which bounds the renewal margin.
	issued int64
}

// lifetime returns how long Wix said the token lives, if known.
func (t AccessToken) lifetime() (time.Duration, bool) {
	if t.issued <= 0 {
		return 0, false
	}
	secs := t.ExpiresAt - t.issued/1000
	if secs <= 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// expiry is when the token expires: to the millisecond when its arrival is
// known (ExpiresAt is rounded down to the second, which would shorten a
// one-second token to nothing), else ExpiresAt.
func (t AccessToken) expiry() time.Time {
	if d, ok := t.lifetime(); ok {
		return time.UnixMilli(t.issued).Add(d)
	}
	return time.Unix(t.ExpiresAt, 0)
}

// RefreshToken is the long-lived token that renews access tokens. Wix does not
// rotate it: a renewal returns a new access token and the same refresh token.
type RefreshToken struct {
	Value string `json:"value"`
	Role  Role   `json:"role"`
}

// Tokens is a token pair in the JavaScript SDK's shape, so that a set can be
// handed to or taken from OAuthStrategy({tokens}) unchanged.
type Tokens struct {
	AccessToken AccessToken `json:"accessToken"`
	// RefreshToken may be empty beside an access token: Wix may answer a
	// member grant without one (the scope-less authorized_client grant
	// after a sign-on: "If this field is left empty, only an access token
	// is granted"; the SDK takes such tokens). Such a session cannot be
	// renewed: it lasts the access token's lifetime, and then the
	// middleware starts a new visitor session.
	RefreshToken RefreshToken `json:"refreshToken"`
}

// Empty reports whether t holds no token at all, and so no session.
func (t Tokens) Empty() bool { return t.RefreshToken.Value == "" && t.AccessToken.Value == "" }

// accessOnly reports whether t is an access token without a refresh token
// (see Tokens.RefreshToken).
func (t Tokens) accessOnly() bool { return t.RefreshToken.Value == "" && t.AccessToken.Value != "" }

// identity is what tells one login from another: the refresh token, which
// Wix issues anew at every login, or the access token of a set without one.
func (t Tokens) identity() string {
	if t.accessOnly() {
		return t.AccessToken.Value
	}
	return t.RefreshToken.Value
}

// Role returns the role of the refresh token, RoleNone for an empty set.
func (t Tokens) Role() Role {
	if t.Empty() || t.RefreshToken.Role == "" {
		return RoleNone
	}
	return t.RefreshToken.Role
}

// LoggedIn reports whether the tokens belong to a site member.
func (t Tokens) LoggedIn() bool { return t.Role() == RoleMember }

// Expiry returns when the access token expires.
func (t Tokens) Expiry() time.Time { return time.Unix(t.AccessToken.ExpiresAt, 0) }

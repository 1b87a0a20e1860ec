package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Data is what a member login by Wix's page must keep until the
// callback, as the SDK's generateOAuthData() returns it. Keep it on the
// server (the handlers package keeps it in the session), never where the
// browser can read or change it: the verifier is what makes a stolen code
// useless.
type Data struct {
	// State is an unguessable value that ties the callback to this login.
	State string `json:"state"`
	// RedirectURI is the absolute callback URL, registered with the OAuth
	// app in the Wix dashboard.
	RedirectURI string `json:"redirectUri"`
	// OriginalURI is where the member should land after login, if any.
	OriginalURI string `json:"originalUri"`
	// CodeVerifier is the PKCE secret (RFC 7636), 64 characters.
	CodeVerifier string `json:"codeVerifier"`
	// CodeChallenge is base64url(SHA-256(CodeVerifier)), sent to Wix.
	CodeChallenge string `json:"codeChallenge"`
}

// NewData makes fresh state and PKCE values for one login, as the SDK's
// generateOAuthData(). The
// verifier is 48 bytes from crypto/rand in base64url (64 characters of the
// alphabet RFC 7636 allows, with no bias, unlike the SDK's byte % 66), and
// the challenge its S256 hash.
func NewData(redirectURI, originalURI string) Data {
	verifier := randomString(48)
	return Data{
		State:         randomString(32),
		RedirectURI:   redirectURI,
		OriginalURI:   originalURI,
		CodeVerifier:  verifier,
		CodeChallenge: pkceChallenge(verifier),
	}
}

// pkceChallenge is the S256 code challenge of verifier.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomString returns n crypto-random bytes in base64url. crypto/rand.Read
// never fails on supported platforms (it crashes the program instead).
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

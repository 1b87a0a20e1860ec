package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/oauth"
)

const pkceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

func TestGenerateOAuthData(t *testing.T) {
	d := oauth.NewData("https://app.example/auth/callback", "/account")
	if d.RedirectURI != "https://app.example/auth/callback" || d.OriginalURI != "/account" {
		t.Errorf("URIs not kept: %+v", d)
	}
	if n := len(d.CodeVerifier); n < 43 || n > 128 || strings.Trim(d.CodeVerifier, pkceAlphabet) != "" {
		t.Errorf("verifier %q is not 43-128 characters of [A-Za-z0-9-._~]", d.CodeVerifier)
	}
	sum := sha256.Sum256([]byte(d.CodeVerifier))
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); d.CodeChallenge != want {
		t.Errorf("challenge %q is not S256 of the verifier (%q)", d.CodeChallenge, want)
	}
	if len(d.State) < 43 || strings.Trim(d.State, pkceAlphabet) != "" {
		t.Errorf("state %q: want at least 256 bits in URL-safe characters", d.State)
	}
}

func TestGenerateOAuthDataIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		d := oauth.NewData("https://app.example/cb", "")
		for _, v := range []string{d.State, d.CodeVerifier} {
			if seen[v] {
				t.Fatalf("a state or verifier repeated after %d logins", i)
			}
			seen[v] = true
		}
	}
}

// The verifier's characters are uniform: the SDK's byte % 66 makes the
// first 58 characters a third more likely than the rest, which this test
// sees.
func TestVerifierIsUnbiased(t *testing.T) {
	counts := map[rune]int{}
	total := 0
	for i := 0; i < 2000; i++ {
		for _, c := range oauth.NewData("https://app.example/cb", "").CodeVerifier {
			counts[c]++
			total++
		}
	}
	if len(counts) < 64 {
		t.Errorf("only %d distinct characters in %d", len(counts), total)
	}
	expect := float64(total) / float64(len(counts))
	for c, n := range counts {
		if r := float64(n) / expect; r < 0.85 || r > 1.15 {
			t.Errorf("character %q appears %d times, expected about %.0f: biased", c, n, expect)
		}
	}
}

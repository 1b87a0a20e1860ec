package wixtest

import (
	"github.com/google/uuid"

	"crypto/rand"
	"encoding/base64"
	"math/big"
	"strconv"
	"strings"
	"time"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return b
}

func randomB64(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// newUUID returns a random (version 4) UUID, the shape of Wix's IDs, made
// the way wixauth checks them.
func newUUID() string { return uuid.NewString() }

func randomDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}

// newRequestID looks like Wix's x-wix-request-id: seconds, a dot, digits.
func newRequestID() string {
	return strconv.FormatInt(time.Now().Unix(), 10) + "." + randomDigits(15)
}

// jwsHeader makes tokens look like the JWS strings Wix hands out.
var jwsHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"wixtest","alg":"RS256"}`))

// newJWSLike returns prefix + a JWS-shaped random string with a payload of
// payloadBytes random bytes.
func newJWSLike(prefix string, payloadBytes int) string {
	return prefix + jwsHeader + "." + randomB64(payloadBytes) + "." + randomB64(32)
}

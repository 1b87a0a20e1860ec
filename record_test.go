package wixauth

import (
	"strings"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range []record{
		{},
		{Tokens: Tokens{AccessToken{"OauthNG.JWS." + strings.Repeat("a", 1400), 1700000000}, RefreshToken{"JWS." + strings.Repeat("b", 230), RoleMember}}, Consistent: "c1"},
		{Tokens: Tokens{AccessToken{"x", -5}, RefreshToken{"y", RoleVisitor}}},
	} {
		got, err := decodeRecord(r.encode())
		if err != nil || got != r {
			t.Errorf("round trip of %+v: got %+v, %v", r, got, err)
		}
	}
}

func TestRecordRejectsDamage(t *testing.T) {
	good := record{Tokens: Tokens{AccessToken{"a", 1}, RefreshToken{"r", RoleVisitor}}}.encode()
	for i := range good {
		if _, err := decodeRecord(good[:i]); err == nil {
			t.Errorf("a record cut to %d bytes decoded", i)
		}
	}
	if _, err := decodeRecord(append(good, 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
	bad := record{Tokens: Tokens{RefreshToken: RefreshToken{"r", "admin"}}}.encode()
	if _, err := decodeRecord(bad); err == nil {
		t.Error("an unknown role decoded")
	}
}

// FuzzDecodeRecord: whatever the session holds, decoding never panics and
// anything it accepts survives another round trip unchanged.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(record{Tokens: Tokens{AccessToken{"OauthNG.JWS.x", 1700000000}, RefreshToken{"JWS.y", RoleMember}}, Consistent: "z"}.encode())
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		if again, err := decodeRecord(r.encode()); err != nil || again != r {
			t.Fatalf("accepted %x as %+v, which does not round-trip: %+v, %v", b, r, again, err)
		}
	})
}

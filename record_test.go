package wixauth

import (
	"strings"
	"testing"
)

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range []record{
		{},
		{Tokens: Tokens{AccessToken{Value: "OauthNG.JWS." + strings.Repeat("a", 1400), ExpiresAt: 1700000000, issued: 1699985600123}, RefreshToken{"JWS." + strings.Repeat("b", 230), RoleMember}}, Consistent: "c1"},
		{Tokens: Tokens{AccessToken{Value: "x", ExpiresAt: -5}, RefreshToken{"y", RoleVisitor}}},
	} {
		got, err := decodeRecord(r.encode())
		if err != nil || got != r {
			t.Errorf("round trip of %+v: got %+v, %v", r, got, err)
		}
	}
}

func TestRecordRejectsDamage(t *testing.T) {
	good := record{Tokens: Tokens{AccessToken{Value: "a", ExpiresAt: 1, issued: 1}, RefreshToken{"r", RoleVisitor}}}.encode()
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

// Records written before the arrival time was kept (version 1) still
// decode, with the arrival unknown.
func TestRecordDecodesVersion1(t *testing.T) {
	v1 := []byte{1, 4} // version 1, ExpiresAt 2
	for _, s := range []string{"a", "r", "visitor", ""} {
		v1 = append(v1, byte(len(s)))
		v1 = append(v1, s...)
	}
	got, err := decodeRecord(v1)
	want := record{Tokens: Tokens{AccessToken{Value: "a", ExpiresAt: 2}, RefreshToken{"r", RoleVisitor}}}
	if err != nil || got != want {
		t.Fatalf("version 1 record: got %+v, %v; want %+v", got, err, want)
	}
	if _, ok := got.AccessToken.lifetime(); ok {
		t.Error("a version 1 record claims to know the token's lifetime")
	}
}

// FuzzDecodeRecord: whatever the session holds, decoding never panics and
// anything it accepts survives another round trip unchanged.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(record{Tokens: Tokens{AccessToken{Value: "OauthNG.JWS.x", ExpiresAt: 1700000000}, RefreshToken{"JWS.y", RoleMember}}, Consistent: "z"}.encode())
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

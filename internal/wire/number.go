package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Seconds is a whole number of seconds (expires_in, exp, iat) as Wix may
// write it: a JSON number, or the same number as a JSON string. The SDK
// reads expires_in with Number(...) (tokenHelpers.js, createAccessToken),
// which takes both; Wix's gateway writes 64-bit integers of its protobuf
// messages as strings (proto3 JSON mapping). A fraction is cut to whole
// seconds, as the SDK's Math.floor arithmetic would; anything else (a
// word, a boolean, an object, a number beyond int64) is an error.
type Seconds int64

// UnmarshalJSON takes 14400, 14400.0, 1.44e4, "14400" and null (as 0).
func (s *Seconds) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		b = []byte(str)
		if len(b) == 0 || !json.Valid(b) || b[0] == '"' || b[0] == '{' || b[0] == '[' {
			return fmt.Errorf("wire: %q is not a number of seconds", str)
		}
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("wire: %s is not a number of seconds", truncate(b))
	}
	if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		*s = Seconds(i)
		return nil
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	// 2^63 is exactly representable; anything at or beyond it overflows.
	if err != nil || f >= 9223372036854775807 || f < -9223372036854775808 {
		return fmt.Errorf("wire: %s is not a number of seconds that fits in 64 bits", truncate(b))
	}
	*s = Seconds(f)
	return nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// UnmarshalJSON reads expires_in as Seconds, the rest as tagged.
func (r *TokenResponse) UnmarshalJSON(b []byte) error {
	type plain TokenResponse // no methods: no recursion
	var v struct {
		plain
		ExpiresIn Seconds `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = TokenResponse(v.plain)
	r.ExpiresIn = int64(v.ExpiresIn)
	return nil
}

// UnmarshalJSON reads exp and iat as Seconds, the rest as tagged.
func (t *TokenInfo) UnmarshalJSON(b []byte) error {
	type plain TokenInfo
	var v struct {
		plain
		Exp Seconds `json:"exp"`
		Iat Seconds `json:"iat"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = TokenInfo(v.plain)
	t.Exp, t.Iat = int64(v.Exp), int64(v.Iat)
	return nil
}

package wixauth

import (
	"encoding/binary"
	"errors"
)

// record is what wixauth keeps in the session: the tokens and the
// X-Wix-Consistent value that gives the visitor read-your-writes.
type record struct {
	Tokens
	Consistent string
}

// recordVersion leads every encoded record, so that a later format can tell
// an older one apart instead of misreading it. Version 2 added the access
// token's arrival time; version 1 records still decode, without it.
const (
	recordVersion   = 2
	recordVersionV1 = 1
)

// maxRecordField bounds each decoded string: tampered lengths must not make
// the decoder allocate gigabytes.
const maxRecordField = 64 << 10

var errBadRecord = errors.New("wixauth: undecodable token record in session")

// encode lays the record out as length-prefixed strings. It is stored as a
// []byte, a type every scs codec handles without registration.
func (r record) encode() []byte {
	t := r.Tokens
	n := 1 + 2*binary.MaxVarintLen64 + 4*binary.MaxVarintLen32 +
		len(t.AccessToken.Value) + len(t.RefreshToken.Value) + len(t.RefreshToken.Role) + len(r.Consistent)
	b := make([]byte, 0, n)
	b = append(b, recordVersion)
	b = binary.AppendVarint(b, t.AccessToken.ExpiresAt)
	b = binary.AppendVarint(b, t.AccessToken.issued)
	for _, s := range [...]string{t.AccessToken.Value, t.RefreshToken.Value, string(t.RefreshToken.Role), r.Consistent} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) == 0 || (b[0] != recordVersion && b[0] != recordVersionV1) {
		return r, errBadRecord
	}
	version := b[0]
	b = b[1:]
	exp, n := binary.Varint(b)
	if n <= 0 {
		return r, errBadRecord
	}
	b = b[n:]
	var issued int64
	if version == recordVersion {
		if issued, n = binary.Varint(b); n <= 0 {
			return r, errBadRecord
		}
		b = b[n:]
	}
	// One conversion for all the fields, which are substrings of it: one
	// allocation instead of one per field.
	rest := string(b)
	var fields [4]string
	for i := range fields {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > maxRecordField || uint64(len(b)-n) < l {
			return r, errBadRecord
		}
		off := len(rest) - len(b) + n
		fields[i] = rest[off : off+int(l)]
		b = b[n+int(l):]
	}
	if len(b) != 0 {
		return r, errBadRecord
	}
	r.AccessToken = AccessToken{Value: fields[0], ExpiresAt: exp, issued: issued}
	r.RefreshToken = RefreshToken{Value: fields[1], Role: Role(fields[2])}
	r.Consistent = fields[3]
	switch r.RefreshToken.Role {
	case RoleVisitor, RoleMember, RoleNone, "":
	default:
		return record{}, errBadRecord
	}
	return r, nil
}

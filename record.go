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

// decodeRecord decodes a record held as a []byte (session codecs other
// than session.Codec, the renewal coordinator).
func decodeRecord(b []byte) (record, error) { return decodeRecordString(string(b)) }

// decodeRecordString decodes a record held as a string: what session.Codec
// hands back for it (a session.Record), so that its fields are substrings
// of the value the session decoded, with no copy of their own.
func decodeRecordString(s string) (record, error) {
	var r record
	if len(s) == 0 || (s[0] != recordVersion && s[0] != recordVersionV1) {
		return r, errBadRecord
	}
	version := s[0]
	s = s[1:]
	exp, n := binary.Varint(varintBytes(s))
	if n <= 0 {
		return r, errBadRecord
	}
	s = s[n:]
	var issued int64
	if version == recordVersion {
		if issued, n = binary.Varint(varintBytes(s)); n <= 0 {
			return r, errBadRecord
		}
		s = s[n:]
	}
	var fields [4]string
	for i := range fields {
		l, n := binary.Uvarint(varintBytes(s))
		if n <= 0 || l > maxRecordField || uint64(len(s)-n) < l {
			return r, errBadRecord
		}
		fields[i] = s[n : n+int(l)]
		s = s[n+int(l):]
	}
	if len(s) != 0 {
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

// varintBytes returns the first bytes of s, as many as a varint can take:
// a copy small enough to stay on the stack, so that encoding/binary reads a
// string's varints without an allocation. A varint longer than that fails
// to decode either way.
func varintBytes(s string) []byte {
	return []byte(s[:min(len(s), binary.MaxVarintLen64)])
}

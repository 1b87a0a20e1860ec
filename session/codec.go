package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/alexedwards/scs/v2"
)

// Codec is an scs.Codec that encodes sessions compactly. New uses
// it by default. Use it as Options.Codec only to tune it.
//
// Values of type []byte, string, bool, int, int64, float64 and time.Time
// (all that wixauth and the handlers store) are written directly, without
// the reflection of encoding/gob, which makes loading a session several
// times cheaper than with scs's default codec. Values of other types fall
// back to gob, one value at a time, and need gob.Register as usual. Decode
// also reads scs's default gob format, so that sessions written before an
// app switched to wixauth survive the switch.
//
// To encrypt sessions at rest, give the keys to New
// (Options.Keys): its store seals each session bound to its own
// store key, which a Codec cannot do, since it never sees the key. A Codec
// made with keys still seals (without that binding) for code that uses it
// on its own; New reads what it sealed once and writes it back in
// the bound form.
type Codec struct {
	aeads []cipher.AEAD
}

// NewCodec returns a Codec that encrypts with keys, or a plain one with
// none. Each key is 32 random bytes (AES-256); see ParseKeys. Prefer
// Options.Keys (see Codec).
func NewCodec(keys ...[]byte) (*Codec, error) {
	c := &Codec{}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("wixauth: session key %d is %d bytes; it must be 32 random bytes (AES-256)", i+1, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// ParseKeys reads a comma-separated list of base64 (standard or URL
// alphabet, padded or not) keys, such as the value of an environment
// variable. Make a key with: openssl rand -base64 32.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var k []byte
		var err error
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if k, err = enc.DecodeString(f); err == nil {
				break
			}
		}
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("wixauth: session key %d is not 32 bytes in base64 (make one with: openssl rand -base64 32)", i+1)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// The first byte of every encoded session says what follows.
const (
	codecPlain  = 0xC1
	codecSealed = 0xC2
)

// Value type tags.
const (
	tagBytes byte = iota + 1
	tagString
	tagTrue
	tagFalse
	tagInt
	tagInt64
	tagFloat
	tagTime
	tagGob
)

var errCodec = errors.New("wixauth: undecodable session data")

// Encode implements scs.Codec.
func (c *Codec) Encode(deadline time.Time, values map[string]interface{}) ([]byte, error) {
	b := make([]byte, 0, 64+sizeHint(values))
	b = append(b, codecPlain)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = appendString(b, k)
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, fmt.Errorf("wixauth: encoding session value %q: %w", k, err)
		}
	}
	if len(c.aeads) == 0 {
		return b, nil
	}
	aead := c.aeads[0]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(b)+aead.Overhead())
	out[0] = codecSealed
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], b, nil), nil
}

// Decode implements scs.Codec.
func (c *Codec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	switch {
	case len(b) > 0 && b[0] == codecSealed && len(c.aeads) > 0:
		plain, err := c.open(b[1:])
		if err != nil {
			return time.Time{}, nil, err
		}
		return decodePlain(plain, false)
	case len(c.aeads) > 0:
		return time.Time{}, nil, errors.New("wixauth: session data is not encrypted with a configured key")
	case len(b) > 0 && b[0] == codecPlain:
		return decodePlain(b, false)
	default:
		return scs.GobCodec{}.Decode(b)
	}
}

func (c *Codec) open(b []byte) ([]byte, error) {
	for _, aead := range c.aeads {
		if len(b) < aead.NonceSize() {
			break
		}
		if plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil); err == nil {
			return plain, nil
		}
	}
	return nil, errors.New("wixauth: no configured session key opens the session data (tampered with, or sealed with a key that was dropped)")
}

func sizeHint(values map[string]interface{}) int {
	n := 0
	for k, v := range values {
		n += len(k) + 8
		switch v := v.(type) {
		case []byte:
			n += len(v)
		case Record:
			n += len(v)
		case string:
			n += len(v)
		}
	}
	return n
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v interface{}) ([]byte, error) {
	switch v := v.(type) {
	case []byte:
		b = append(b, tagBytes)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...), nil
	case Record:
		b = append(b, tagBytes)
		b = appendString(b, string(v))
		return b, nil
	case string:
		return appendString(append(b, tagString), v), nil
	case bool:
		if v {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(v)), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt64), v), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v)), nil
	case time.Time:
		t, err := v.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = append(b, tagTime)
		b = binary.AppendUvarint(b, uint64(len(t)))
		return append(b, t...), nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
		return nil, err
	}
	b = append(b, tagGob)
	b = binary.AppendUvarint(b, uint64(buf.Len()))
	return append(b, buf.Bytes()...), nil
}

// reader walks an encoded session; any read past the end sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	l := r.uvarint()
	if r.bad || l > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:l:l]
	r.b = r.b[l:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// decodePlain decodes what Encode wrote before sealing. With inPlace, b
// must never change afterwards (see tolerantCodec.decode): the token record
// is then a string over b's own bytes, not a copy.
func decodePlain(b []byte, inPlace bool) (time.Time, map[string]interface{}, error) {
	r := &reader{b: b[1:]}
	deadline := time.Unix(0, r.varint()).UTC()
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		return time.Time{}, nil, errCodec
	}
	values := make(map[string]interface{}, n)
	for i := uint64(0); i < n && !r.bad; i++ {
		k := internKey(r.bytes())
		var v interface{}
		switch r.byte() {
		case tagBytes:
			if k == tokensKey {
				if rb := r.bytes(); inPlace && len(rb) > 0 {
					v = Record(unsafe.String(&rb[0], len(rb)))
				} else {
					v = Record(rb)
				}
				break
			}
			v = append([]byte(nil), r.bytes()...)
		case tagString:
			v = string(r.bytes())
		case tagTrue:
			v = true
		case tagFalse:
			v = false
		case tagInt:
			v = int(r.varint())
		case tagInt64:
			v = r.varint()
		case tagFloat:
			if len(r.b) < 8 {
				r.bad = true
				break
			}
			v = math.Float64frombits(binary.LittleEndian.Uint64(r.b))
			r.b = r.b[8:]
		case tagTime:
			var t time.Time
			if err := t.UnmarshalBinary(r.bytes()); err != nil {
				r.bad = true
			}
			v = t
		case tagGob:
			// Its own variable: taking &v would move v to the heap for
			// every value, gob or not.
			var gv interface{}
			if err := gob.NewDecoder(bytes.NewReader(r.bytes())).Decode(&gv); err != nil {
				r.bad = true
			}
			v = gv
		default:
			r.bad = true
		}
		values[k] = v
	}
	if r.bad || len(r.b) != 0 {
		return time.Time{}, nil, errCodec
	}
	return deadline, values, nil
}

// Record is how Codec decodes the []byte value under the key that wixauth
// keeps its token record in by default ("wixauth.tokens"): the same bytes
// as an immutable string, so that wixauth decodes the record's fields as
// substrings of it, where a []byte would need a second copy on every
// request. Codec encodes it exactly as that []byte, so the stored format
// does not change; other codecs hand back the []byte, which wixauth reads
// too. To hand decoded values to another codec (scs.GobCodec cannot encode
// an unregistered type), convert a Record back to []byte.
type Record string

// tokensKey is the key wixauth keeps its tokens under by default
// (wixauth.Config.SessionKey).
const tokensKey = "wixauth.tokens"

// internKey returns the session keys that wixauth writes without allocating
// a new string for each decoded session.
func internKey(b []byte) string {
	switch string(b) {
	case tokensKey:
		return tokensKey
	}
	return string(b)
}

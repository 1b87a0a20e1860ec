package session_test

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/session"
)

type custom struct{ N int }

func init() { gob.Register(custom{}) }

func sampleValues() map[string]interface{} {
	return map[string]interface{}{
		"bytes": []byte("OauthNG.JWS.abc"), "string": "s", "yes": true, "no": false,
		"int": -42, "int64": int64(1) << 40, "float": 3.25,
		"time":   time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC),
		"custom": custom{N: 7},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	plain, _ := session.NewCodec()
	sealed, err := session.NewCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Hour).UTC().Round(0)
	for name, c := range map[string]*session.Codec{"plain": plain, "sealed": sealed} {
		b, err := c.Encode(deadline, sampleValues())
		if err != nil {
			t.Fatal(err)
		}
		d, v, err := c.Decode(b)
		if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(v, sampleValues()) {
			t.Errorf("%s: got %v %v %v", name, d, v, err)
		}
		if name == "sealed" && bytes.Contains(b, []byte("OauthNG")) {
			t.Error("sealed data shows the token")
		}
	}
}

func TestCodecKeyRotationAndTampering(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before, _ := session.NewCodec(oldKey)
	after, _ := session.NewCodec(newKey, oldKey)
	dropped, _ := session.NewCodec(newKey)
	b, _ := before.Encode(time.Now(), sampleValues())
	if _, _, err := after.Decode(b); err != nil {
		t.Errorf("the old key no longer decrypts after rotation: %v", err)
	}
	if _, _, err := dropped.Decode(b); err == nil {
		t.Error("data sealed with a dropped key decoded")
	}
	b[len(b)-1] ^= 1
	if _, _, err := after.Decode(b); err == nil {
		t.Error("tampered data decoded")
	}
	plain, _ := session.NewCodec()
	p, _ := plain.Encode(time.Now(), sampleValues())
	if _, _, err := after.Decode(p); err == nil {
		t.Error("plain data was accepted by an encrypting codec: a store writer could forge sessions")
	}
}

func TestCodecReadsScsGob(t *testing.T) {
	b, _ := scs.GobCodec{}.Encode(time.Now(), map[string]interface{}{"k": []byte("v")})
	c, _ := session.NewCodec()
	if _, v, err := c.Decode(b); err != nil || string(v["k"].([]byte)) != "v" {
		t.Errorf("gob session not read: %v %v", v, err)
	}
}

func TestParseKeys(t *testing.T) {
	keys, err := session.ParseKeys("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=, AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI")
	if err != nil || len(keys) != 2 || keys[1][0] != 2 {
		t.Fatalf("ParseKeys: %v %v", keys, err)
	}
	if _, err := session.ParseKeys("c2hvcnQ="); err == nil {
		t.Error("a short key was accepted")
	}
	if _, err := session.NewCodec([]byte("short")); err == nil {
		t.Error("NewCodec took a short key")
	}
}

func FuzzCodecDecode(f *testing.F) {
	c, _ := session.NewCodec()
	good, _ := c.Encode(time.Unix(1e9, 0), map[string]interface{}{"session.tokens": []byte{1, 2, 3}, "n": 1})
	f.Add(good)
	f.Add([]byte{0xC1})
	f.Add([]byte{0xC1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, v, err := c.Decode(b)
		if err != nil {
			return
		}
		again, err := c.Encode(d, v)
		if err != nil {
			return // a gob value of an unregistered type
		}
		if _, v2, err := c.Decode(again); err != nil || len(v2) != len(v) {
			t.Fatalf("decoded %x but it does not round-trip: %v", b, err)
		}
	})
}

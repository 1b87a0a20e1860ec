package stores

import (
	"strings"
	"testing"
	"time"
)

func TestParseURLMemory(t *testing.T) {
	for _, raw := range []string{"", "memory", "memory://", "memory:", " memory\n", "MEMORY://"} {
		c, err := parseURL(raw)
		if err != nil {
			t.Errorf("parseURL(%q): %v", raw, err)
			continue
		}
		if c.kind != kindMemory || c.redacted != "memory" {
			t.Errorf("parseURL(%q) = kind %v %q, want memory", raw, c.kind, c.redacted)
		}
	}
}

func TestParseURLRedisDefaults(t *testing.T) {
	c, err := parseURL("redis://cache.internal:6380/2")
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		kind:         kindRedis,
		redacted:     "redis://cache.internal:6380/2",
		addr:         "cache.internal:6380",
		db:           2,
		prefix:       "wixauth:session:",
		maxIdle:      256,
		maxActive:    256,
		idleTimeout:  4 * time.Minute,
		dialTimeout:  2 * time.Second,
		readTimeout:  time.Second,
		writeTimeout: time.Second,
		waitTimeout:  500 * time.Millisecond,
	}
	if c != want {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

func TestParseURLRedisForms(t *testing.T) {
	for _, tc := range []struct {
		raw                string
		addr               string
		tls                bool
		user, pass         string
		db                 int
		redacted           string
		prefix             string
		maxIdle, maxActive int
		idle, dial, rd, wr time.Duration
	}{
		{raw: "redis://localhost", addr: "localhost:6379", redacted: "redis://localhost"},
		{raw: "redis://localhost:6379/", addr: "localhost:6379", redacted: "redis://localhost:6379/"},
		{raw: "rediss://r.example.com:6380/0", addr: "r.example.com:6380", tls: true, redacted: "rediss://r.example.com:6380/0"},
		{raw: "redis://[::1]:7000/15", addr: "[::1]:7000", db: 15, redacted: "redis://[::1]:7000/15"},
		{raw: "redis://:s3cret@h:1/0", addr: "h:1", pass: "s3cret", redacted: "redis://:xxxxx@h:1/0"},
		{raw: "redis://app:s3cret@h:1/0", addr: "h:1", user: "app", pass: "s3cret", redacted: "redis://app:xxxxx@h:1/0"},
		// A lone user-info field is the password, as in redis-cli.
		{raw: "redis://s3cret@h:1", addr: "h:1", pass: "s3cret", redacted: "redis://xxxxx@h:1"},
		{raw: "redis://:p%40ss%2Fw@h:1", addr: "h:1", pass: "p@ss/w", redacted: "redis://:xxxxx@h:1"},
		{
			raw:  "redis://h:1/3?prefix=myapp:sess:&max_idle=0&max_active=0&idle_timeout=0&dial_timeout=500ms&read_timeout=250ms&write_timeout=3s",
			addr: "h:1", db: 3, prefix: "myapp:sess:", maxIdle: 0, maxActive: 0, idle: 0,
			dial: 500 * time.Millisecond, rd: 250 * time.Millisecond, wr: 3 * time.Second,
			redacted: "redis://h:1/3?prefix=myapp:sess:&max_idle=0&max_active=0&idle_timeout=0&dial_timeout=500ms&read_timeout=250ms&write_timeout=3s",
		},
	} {
		// Unset expectations mean "the default".
		if tc.prefix == "" {
			tc.prefix = DefaultPrefix
		}
		if !strings.Contains(tc.raw, "?") {
			tc.maxIdle, tc.maxActive = DefaultMaxIdle, DefaultMaxActive
			tc.idle, tc.dial, tc.rd, tc.wr = DefaultIdleTimeout, DefaultDialTimeout, DefaultReadTimeout, DefaultWriteTimeout
		}
		c, err := parseURL(tc.raw)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tc.raw, err)
			continue
		}
		got := []any{c.kind, c.addr, c.useTLS, c.username, c.password, c.db, c.redacted, c.prefix,
			c.maxIdle, c.maxActive, c.idleTimeout, c.dialTimeout, c.readTimeout, c.writeTimeout}
		want := []any{kindRedis, tc.addr, tc.tls, tc.user, tc.pass, tc.db, tc.redacted, tc.prefix,
			tc.maxIdle, tc.maxActive, tc.idle, tc.dial, tc.rd, tc.wr}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("parseURL(%q):\n got %v\nwant %v", tc.raw, got, want)
				break
			}
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string // substrings of the error
	}{
		{"foo://x", []string{`unsupported session store URL scheme "foo"`, `use "memory", "redis://`, `redis-sentinel://`}},
		{"postgres://u:hunter2@db/x", []string{`scheme "postgres"`}},
		{"memcached", []string{`has no scheme`, `use "memory"`}},
		{"localhost:6379", []string{`scheme "localhost"`, `redis://`}},
		{"memory://x", []string{`takes no host`}},
		{"memory://?prefix=a", []string{`takes no host`}},
		{"redis:localhost", []string{`missing // after redis:`}},
		{"redis://", []string{`missing host`}},
		{"redis://:hunter2@:6379", []string{`missing host`}},
		{"redis://h:0", []string{`port "0"`}},
		{"redis://h:1/x", []string{`database "x" is not a number`}},
		{"redis://h:1/0/1", []string{`database "0/1"`}},
		{"redis://h:1/-1", []string{`database "-1"`}},
		{"redis://h:1#frag", []string{`#fragment`}},
		{"redis://h:1?pool=3", []string{`unknown parameter "pool"`, `accepted: prefix, max_idle`}},
		{"redis://h:1?max_idle=abc", []string{`max_idle="abc" is not a whole number >= 0`}},
		{"redis://h:1?max_active=-1", []string{`max_active="-1" is not a whole number`}},
		{"redis://h:1?dial_timeout=2", []string{`dial_timeout="2" is not a duration such as "500ms"`}},
		{"redis://h:1?read_timeout=0s", []string{`read_timeout="0s" must be more than 0`}},
		{"redis://h:1?write_timeout=-1s", []string{`write_timeout="-1s" must be more than 0`}},
		{"redis://h:1?idle_timeout=-1m", []string{`idle_timeout="-1m" must be more than 0`}},
		{"redis://h:1?prefix=", []string{`prefix="" must not be empty`}},
		{"redis://h:1?prefix=a&prefix=b", []string{`prefix is given 2 times`}},
		{"redis://h:1?wait_timeout=0", []string{`wait_timeout="0" must be more than 0`}},
		{"redis://h:1?a=%zz", []string{`bad query`}},
		{"redis://h:1 2", []string{`cannot parse`}},
	} {
		_, err := parseURL(tc.raw)
		if err == nil {
			t.Errorf("parseURL(%q) = nil error, want %q", tc.raw, tc.want)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "stores: ") {
			t.Errorf("parseURL(%q) error %q lacks the stores: prefix", tc.raw, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("parseURL(%q) error\n  %s\nlacks %q", tc.raw, msg, w)
			}
		}
	}
}

// TestErrorsRedactPassword checks that no error repeats the password, even
// for URLs that net/url cannot parse (whose errors quote the input).
func TestErrorsRedactPassword(t *testing.T) {
	for _, raw := range []string{
		"redis://app:hunter2@h:1?max_idle=x",
		"redis://:hunter2@h:1?nope=1",
		"redis://hunter2@h:1/x",
		"rediss://app:hunter2@h:99999",
		"redis://:hunter2@:1",
		"redis://:hunter2%zz@h:1",      // bad escape: a net/url error
		"redis://:hunter2@h:1 x",       // bad host: a net/url error
		"redis://app:hun/ter2@h:1/0",   // unencoded slash in the password
		"redis://app:hunter2@h:1#frag", //
		"memory://app:hunter2@x",
	} {
		_, err := parseURL(raw)
		if err == nil {
			t.Errorf("parseURL(%q): want an error", raw)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "ter2") {
			t.Errorf("parseURL(%q) error leaks the password: %v", raw, err)
		}
	}
	if _, _, err := NewRedisPool("redis://:hunter2@h:1?max_active=x"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("NewRedisPool error = %v, want an error without the password", err)
	}
}

func TestParseURLSentinel(t *testing.T) {
	c, err := parseURL("rediss-sentinel://u:pw@10.0.0.5,s2.example:26380,[::1]/mymaster/3?sentinel_password=sp&sentinel_username=su&prefix=p:")
	if err != nil {
		t.Fatal(err)
	}
	s := c.sentinel
	if s == nil || c.addr != "" || !c.useTLS || c.db != 3 || c.username != "u" || c.password != "pw" || c.prefix != "p:" {
		t.Fatalf("config = %+v", c)
	}
	if want := []string{"10.0.0.5:26379", "s2.example:26380", "[::1]:26379"}; strings.Join(s.addrs, " ") != strings.Join(want, " ") {
		t.Errorf("sentinels %q, want %q", s.addrs, want)
	}
	if s.name != "mymaster" || s.username != "su" || s.password != "sp" {
		t.Errorf("sentinels = %+v", s)
	}
	if strings.Contains(c.redacted, "sp") || strings.Contains(c.redacted, "pw") {
		t.Errorf("redacted URL %q shows a password", c.redacted)
	}
	c, err = parseURL("redis-sentinel://h/m")
	if err != nil || c.useTLS || c.db != 0 || c.sentinel.name != "m" {
		t.Fatalf("redis-sentinel://h/m = %+v, %v", c, err)
	}

	for raw, want := range map[string]string{
		"redis-sentinel://h1,h2":                                 "missing the primary's name",
		"redis-sentinel://h1,h2/":                                "missing the primary's name",
		"redis-sentinel://h1,:99/m":                              `Sentinel address ":99": missing host`,
		"redis-sentinel://h1:0/m":                                `port "0"`,
		"redis-sentinel://h1/m/x":                                `database "x"`,
		"redis://h/0?sentinel_password=secretvalue":              "only for redis-sentinel://",
		"redis-sentinel://h1/m?sentinel_password=secretvalue%zz": "bad query",
	} {
		_, err := parseURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseURL(%q) = %v, want an error with %q", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("parseURL(%q) error shows the password: %v", raw, err)
		}
	}
}

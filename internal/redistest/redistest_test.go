package redistest

import (
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"
)

func TestStartPingStopRestart(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.URL, "redis://127.0.0.1:") || !strings.HasSuffix(s.URL, "/0") {
		t.Fatalf("URL = %q", s.URL)
	}
	if got, _ := redis.String(s.Do(t, "PING"), nil); got != "PONG" {
		t.Fatalf("PING = %q", got)
	}
	s.Do(t, "SET", "k", "v")

	s.Stop()
	if c, err := net.Dial("tcp", s.Addr); err == nil {
		c.Close()
		t.Fatalf("still accepting connections on %s after Stop", s.Addr)
	}
	s.Stop() // idempotent

	s.Restart()
	// Same address, fresh data (persistence is off), and the Pool still works.
	if n, _ := redis.Int(s.Do(t, "EXISTS", "k"), nil); n != 0 {
		t.Fatalf("EXISTS k after restart = %d, want 0", n)
	}
}

func TestServersAreIndependent(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers on %s", a.Addr)
	}
	a.Do(t, "SET", "k", "a")
	if n, _ := redis.Int(b.Do(t, "EXISTS", "k"), nil); n != 0 {
		t.Fatal("key set on one server is visible on the other")
	}
}

func TestCommandStats(t *testing.T) {
	s := Start(t)
	s.ResetStats(t)
	s.Do(t, "SET", "k", "v")
	s.Do(t, "GET", "k")
	s.Do(t, "GET", "k")
	got := s.CommandStats(t)
	if got["get"] != 2 || got["set"] != 1 || got["del"] != 0 {
		t.Fatalf("CommandStats = %v, want get=2 set=1 and no del", got)
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\n" +
		"cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_config|resetstat:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_EXEC:calls=2,usec=1\r\n"
	got, err := parseCommandStats(info)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"get": 3, "config|resetstat": 1, "exec": 2}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := parseCommandStats("cmdstat_get:usec=1\r\n"); err == nil {
		t.Fatal("want an error for a line without calls=")
	}
}

// TestMissingBinary checks the CI guarantee: without redis-server, Start
// skips, but fails when WIXAUTH_REQUIRE_REDIS=1. It re-runs this test binary
// with an empty PATH, because Skip and Fatal end the calling test.
func TestMissingBinary(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") == "1" {
		Start(t)
		t.Log("started") // not reached
		return
	}
	for _, tc := range []struct {
		require string
		wantErr bool
		want    string
	}{
		{"", false, "--- SKIP"},
		{"1", true, "--- FAIL"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingBinary$", "-test.v")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "REDIS_SERVER=") &&
				!strings.HasPrefix(kv, "WIXAUTH_REQUIRE_REDIS=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "PATH="+t.TempDir(), "REDISTEST_CHILD=1", "WIXAUTH_REQUIRE_REDIS="+tc.require)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tc.wantErr || !strings.Contains(string(out), tc.want) {
			t.Errorf("WIXAUTH_REQUIRE_REDIS=%q: err=%v, want error %v and %q in output:\n%s", tc.require, err, tc.wantErr, tc.want, out)
		}
	}
}

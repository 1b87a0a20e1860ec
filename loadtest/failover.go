package main

// Failovers under the load (-failover endpoint or sentinel): the sessions
// live on a primary with a replica, and mid-run the replica is promoted.
//
//   - endpoint: the app reaches Redis through one address, a TCP proxy, as
//     with a managed Redis's DNS name. The replica is promoted (REPLICAOF NO
//     ONE), the old primary demoted to replicate it, and the proxy switched;
//     the app's open connections to the old primary stay open.
//   - sentinel: three real Sentinels (quorum 2) watch the primary, and the
//     app's store URL is redis-sentinel://. The primary is killed (SIGKILL)
//     and the Sentinels promote the replica.
//
// The outage window runs from the failover's start to the promotion, plus
// the grace. Reported: how long after the promotion the app saved a
// session again: a probe, a new visitor every 10 ms (whose first request
// must save its session), gets its first 200. The browsers cannot measure
// it, as they hold their failed steps until the window is over.

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/internal/redistest"
)

const sentinelName = "wixauth"

// topology is the Redis the app uses in a failover run.
type topology struct {
	kind             string
	primary, replica *redisServer
	proxy            *redistest.Proxy
	sentinels        []*redisServer
	storeURL         string
}

func startTopology(kind, tmp string) (*topology, error) {
	t := &topology{kind: kind}
	var err error
	mk := func(name string) string {
		d := filepath.Join(tmp, name)
		os.MkdirAll(d, 0o700)
		return d
	}
	if t.primary, err = startRedis(mk("primary")); err != nil {
		return t, err
	}
	host, port, _ := net.SplitHostPort(t.primary.addr)
	if t.replica, err = startRedis(mk("replica"), "--replicaof", host, port); err != nil {
		return t, err
	}
	switch kind {
	case "endpoint":
		if t.proxy, err = redistest.ListenProxy(t.primary.addr); err != nil {
			return t, err
		}
		t.storeURL = t.proxy.URL
	case "sentinel":
		var addrs []string
		for i := range 3 {
			dir := mk(fmt.Sprintf("sentinel%d", i))
			conf := filepath.Join(dir, "sentinel.conf")
			text := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s 2\nsentinel down-after-milliseconds %[1]s 500\nsentinel failover-timeout %[1]s 2000\n", sentinelName, host, port)
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				return t, err
			}
			s, err := newRedis(dir)
			if err != nil {
				return t, err
			}
			s.sentinel = conf
			if err := s.start(); err != nil {
				return t, fmt.Errorf("starting a Sentinel: %w", err)
			}
			t.sentinels = append(t.sentinels, s)
			addrs = append(addrs, s.addr)
		}
		t.storeURL = "redis-sentinel://" + strings.Join(addrs, ",") + "/" + sentinelName + "/0"
	default:
		return t, fmt.Errorf("-failover %q: use endpoint or sentinel", kind)
	}
	return t, t.ready()
}

// ready waits until the replica is in sync and every Sentinel sees the
// replica and the other two: before that no failover can succeed.
func (t *topology) ready() error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := true
		info, _ := redis.String(t.replica.do("INFO", "replication"))
		ok = strings.Contains(info, "master_link_status:up")
		for _, s := range t.sentinels {
			others, err1 := redis.Values(s.do("SENTINEL", "sentinels", sentinelName))
			reps, err2 := redis.Values(s.do("SENTINEL", "replicas", sentinelName))
			ok = ok && err1 == nil && err2 == nil && len(others) == len(t.sentinels)-1 && len(reps) == 1
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the replica or the Sentinels were not ready within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// caughtUp waits until the replica has everything the primary wrote.
func (t *topology) caughtUp() error {
	offset := func(s *redisServer, field string) string {
		info, _ := redis.String(s.do("INFO", "replication"))
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), field+":"); ok {
				return v
			}
		}
		return "?"
	}
	want := offset(t.primary, "master_repl_offset")
	for start := time.Now(); offset(t.replica, "slave_repl_offset") != want; {
		if time.Since(start) > 5*time.Second {
			return fmt.Errorf("the replica did not catch up with the primary within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func (t *topology) stop() {
	if t.proxy != nil {
		t.proxy.Close()
	}
	for _, s := range append(t.sentinels, t.replica, t.primary) {
		if s != nil && s.cmd != nil {
			s.stop()
		}
	}
}

// failover runs the failover within an outage window, and returns how long
// after the promotion the app's first save reached the new primary.
func (o *outages) failover(t *topology, app string) (time.Duration, error) {
	probe := func() bool {
		c := &http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(app + "/api/session")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200 && len(resp.Cookies()) > 0
	}
	var i int
	switch t.kind {
	case "endpoint":
		// As a managed service's planned failover: hold writes on the
		// primary, let the replica catch up, promote it, demote the old
		// primary, move the endpoint, and let the held writes go (they
		// answer READONLY now). Without the hold, writes acknowledged by the
		// old primary between the promotion and the demotion would be
		// lost when it resyncs.
		i = o.begin("failover: replica promoted, old primary demoted, endpoint switched")
		if _, err := t.primary.do("CLIENT", "PAUSE", 5000, "WRITE"); err != nil {
			return 0, err
		}
		if err := t.caughtUp(); err != nil {
			return 0, err
		}
		if _, err := t.replica.do("REPLICAOF", "NO", "ONE"); err != nil {
			return 0, err
		}
	case "sentinel":
		i = o.begin("failover: primary killed, Sentinel promotes the replica")
		t.primary.crash()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		vs, err := redis.Values(t.replica.do("ROLE"))
		if err == nil && len(vs) > 0 {
			if r, _ := redis.String(vs[0], nil); r == "master" {
				break
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the replica was not promoted within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	promoted := time.Now()
	o.over(i)
	if t.kind == "endpoint" {
		host, port, _ := net.SplitHostPort(t.replica.addr)
		if _, err := t.primary.do("REPLICAOF", host, port); err != nil {
			return 0, err
		}
		t.proxy.Switch(t.replica.addr)
		if _, err := t.primary.do("CLIENT", "UNPAUSE"); err != nil {
			return 0, err
		}
	}
	for !probe() {
		if time.Since(promoted) > 30*time.Second {
			return 0, fmt.Errorf("no new visitor's session was saved within 30 s of the promotion")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(promoted), nil
}

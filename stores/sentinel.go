package stores

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/gomodule/redigo/redis"
)

// DefaultSentinelPort is used for a Sentinel address without a port, as
// redis-cli -p 26379 and Sentinel's own default.
const DefaultSentinelPort = "26379"

// sentinels finds a Sentinel-managed primary. It asks the Sentinels in
// turn, starting with the one that answered last, for the primary's
// address (SENTINEL get-master-addr-by-name) at every dial, so that the
// pool's new connections follow a failover: once the old primary's
// connections are retired (failover.go), the next dial asks again.
type sentinels struct {
	addrs    []string // host:port of each Sentinel
	name     string   // the primary's name in Sentinel's configuration
	username string   // for the Sentinels (sentinel_username)
	password string   // for the Sentinels (sentinel_password)
	last     atomic.Int32
}

// primary returns the primary's host:port as a Sentinel reports it.
func (s *sentinels) primary(ctx context.Context, opts []redis.DialOption) (string, error) {
	if s.password != "" {
		opts = append(opts, redis.DialPassword(s.password))
	}
	if s.username != "" {
		opts = append(opts, redis.DialUsername(s.username))
	}
	start := int(s.last.Load())
	if start >= len(s.addrs) {
		start = 0
	}
	var errs []string
	for i := range s.addrs {
		n := (start + i) % len(s.addrs)
		addr, err := s.ask(ctx, s.addrs[n], opts)
		if err == nil {
			s.last.Store(int32(n))
			return addr, nil
		}
		errs = append(errs, s.addrs[n]+": "+err.Error())
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("stores: no Sentinel gave the address of primary %q (%s)", s.name, strings.Join(errs, "; "))
}

func (s *sentinels) ask(ctx context.Context, sentinel string, opts []redis.DialOption) (string, error) {
	c, err := redis.DialContext(ctx, "tcp", sentinel, opts...)
	if err != nil {
		return "", err
	}
	defer c.Close()
	r, err := redis.Strings(c.Do("SENTINEL", "get-master-addr-by-name", s.name))
	if errors.Is(err, redis.ErrNil) {
		return "", fmt.Errorf("this Sentinel monitors no primary named %q (check the name in the URL's path against sentinel.conf's 'sentinel monitor')", s.name)
	}
	if err != nil {
		return "", err
	}
	if len(r) != 2 {
		return "", fmt.Errorf("unexpected reply %q to SENTINEL get-master-addr-by-name", r)
	}
	return net.JoinHostPort(r[0], r[1]), nil
}

// promoted returns the address of a replica of the primary, as this
// Sentinel lists them, that already answers ROLE as a primary, or "".
//
// During a failover Sentinel promotes a replica and only then, once that
// replica's INFO (polled every second) shows the new role, answers
// get-master-addr-by-name with it: for up to a second or so it still names
// the old primary, dead or demoted. Asking the replicas themselves closes
// that gap; the ROLE check means only a server that takes writes is used.
func (s *sentinels) promoted(ctx context.Context, sentinelOpts, dialOpts []redis.DialOption) string {
	if s.password != "" {
		sentinelOpts = append(sentinelOpts, redis.DialPassword(s.password))
	}
	if s.username != "" {
		sentinelOpts = append(sentinelOpts, redis.DialUsername(s.username))
	}
	c, err := redis.DialContext(ctx, "tcp", s.addrs[int(s.last.Load())%len(s.addrs)], sentinelOpts...)
	if err != nil {
		return ""
	}
	defer c.Close()
	reps, err := redis.Values(c.Do("SENTINEL", "replicas", s.name))
	if err != nil {
		return ""
	}
	for _, r := range reps {
		m, err := redis.StringMap(r, nil)
		if err != nil || strings.Contains(m["flags"], "down") || strings.Contains(m["flags"], "disconnected") {
			continue
		}
		addr := net.JoinHostPort(m["ip"], m["port"])
		rc, err := redis.DialContext(ctx, "tcp", addr, dialOpts...)
		if err != nil {
			continue
		}
		err = checkPrimary(rc)
		rc.Close()
		if err == nil {
			return addr
		}
	}
	return ""
}

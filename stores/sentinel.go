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

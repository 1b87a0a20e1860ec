package redistest

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// StartReplica starts a redis-server that replicates primary, and waits
// until its initial sync is done (master_link_status:up), so that what the
// primary held before is on the replica.
func StartReplica(t testing.TB, primary *Server, extraArgs ...string) *Server {
	t.Helper()
	host, port, _ := net.SplitHostPort(primary.Addr)
	r := Start(t, append([]string{"--replicaof", host, port}, extraArgs...)...)
	r.WaitSynced(t)
	return r
}

// WaitSynced waits (up to 10 s) until the server, a replica, has its link
// to the primary up.
func (s *Server) WaitSynced(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := s.Pool().Get()
		info, err := redis.String(c.Do("INFO", "replication"))
		c.Close()
		if err == nil && strings.Contains(info, "master_link_status:up") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: replica %s did not sync within 10 s: %v\n%s", s.Addr, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Role returns the server's role as ROLE answers it ("master", "slave"),
// or "" if it does not answer.
func (s *Server) Role() string {
	c := s.Pool().Get()
	defer c.Close()
	vs, err := redis.Values(c.Do("ROLE"))
	if err != nil || len(vs) == 0 {
		return ""
	}
	r, _ := redis.String(vs[0], nil)
	return r
}

// SentinelOptions sets the timing of StartSentinel's Sentinels.
type SentinelOptions struct {
	Quorum          int           // Sentinels that must agree the primary is down; default 2
	DownAfter       time.Duration // sentinel down-after-milliseconds; default 500ms
	FailoverTimeout time.Duration // sentinel failover-timeout; default 2s
}

// StartSentinel starts one real Sentinel (redis-server --sentinel) that
// monitors primary under name. Start several for a quorum; they find each
// other through the primary.
func StartSentinel(t testing.TB, name string, primary *Server, o SentinelOptions) *Server {
	t.Helper()
	if o.Quorum == 0 {
		o.Quorum = 2
	}
	if o.DownAfter == 0 {
		o.DownAfter = 500 * time.Millisecond
	}
	if o.FailoverTimeout == 0 {
		o.FailoverTimeout = 2 * time.Second
	}
	bin := findBinary(t)
	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(primary.Addr)
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("sentinel monitor %s %s %s %d\n"+
		"sentinel down-after-milliseconds %s %d\n"+
		"sentinel failover-timeout %s %d\n"+
		"sentinel parallel-syncs %s 1\n",
		name, host, port, o.Quorum,
		name, o.DownAfter.Milliseconds(),
		name, o.FailoverTimeout.Milliseconds(),
		name)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{t: t, bin: bin, Dir: dir, sentinel: conf}
	t.Cleanup(s.shutdown)
	var lastErr error
	for range 3 {
		p, err := freePort()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		s.port = p
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		s.URL = "redis://" + s.Addr
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: sentinel: %v", lastErr)
	return nil
}

// WaitSentinels waits (up to 15 s) until every Sentinel knows the others
// and at least replicas replicas of name: before that a failover cannot
// reach a quorum or find a replica to promote.
func WaitSentinels(t testing.TB, name string, replicas int, sentinels ...*Server) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, s := range sentinels {
		for {
			c := s.Pool().Get()
			others, err1 := redis.Values(c.Do("SENTINEL", "sentinels", name))
			reps, err2 := redis.Values(c.Do("SENTINEL", "replicas", name))
			c.Close()
			if err1 == nil && err2 == nil && len(others) >= len(sentinels)-1 && len(reps) >= replicas {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: Sentinel %s sees %d other Sentinels and %d replicas after 15 s (errors %v, %v)", s.Addr, len(others), len(reps), err1, err2)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Proxy is a TCP proxy in front of a Redis address that can be switched
// to another, as a managed Redis's endpoint (a DNS name or a virtual IP)
// moves to the promoted replica on failover. Connections already open keep
// going to the old address, as they do in production.
type Proxy struct {
	// Addr is "127.0.0.1:PORT", URL "redis://Addr/0".
	Addr, URL string

	ln     net.Listener
	mu     sync.Mutex
	target string
	conns  []net.Conn
	lose   []*atomic.Bool // per open connection: drop what the server answers
}

// NewProxy starts a proxy to target; it is closed at cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := ListenProxy(target)
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// ListenProxy starts a proxy to target outside a test (the load test);
// the caller must Close it.
func ListenProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln, target: target}
	p.URL = "redis://" + p.Addr + "/0"
	go p.serve()
	return p, nil
}

// LoseReplies drops, from now on, whatever the server answers on the
// connections open now: the commands they send still reach the server and
// run, and their clients wait for replies that never come, as when Redis
// stops or dies between running a command and answering it. Connections
// opened later are not touched.
func (p *Proxy) LoseReplies() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lose {
		l.Store(true)
	}
}

// Switch sends new connections to target; open ones stay where they are.
func (p *Proxy) Switch(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.conns = append(p.conns, in)
		p.mu.Unlock()
		go func() {
			out, err := net.DialTimeout("tcp", target, 2*time.Second)
			if err != nil {
				in.Close()
				return
			}
			lose := new(atomic.Bool)
			p.mu.Lock()
			p.conns = append(p.conns, out)
			p.lose = append(p.lose, lose)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			io.Copy(replies{in, lose}, out)
			in.Close()
		}()
	}
}

// Close stops the proxy and closes every connection through it.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// replies is the client's side of a proxied connection, which drops what it
// is given once lose is set.
type replies struct {
	w    io.Writer
	lose *atomic.Bool
}

func (r replies) Write(b []byte) (int, error) {
	if r.lose.Load() {
		return len(b), nil
	}
	return r.w.Write(b)
}

package main

// The redis-server under the load: a throwaway process on a free loopback
// port, with every write on disk before Redis acknowledges it (appendonly,
// appendfsync always), so that a crash and restart loses no acknowledged
// session, as a production Redis with AOF would not.

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gomodule/redigo/redis"
)

type redisServer struct {
	bin, dir, addr string
	extra          []string // more arguments (a replica's --replicaof)
	sentinel       string   // a Sentinel's config file; "" for a server
	cmd            *exec.Cmd
	exited         chan struct{}
	log            bytes.Buffer
}

// startRedis starts redis-server ($REDIS_SERVER or on PATH) in dir, with
// extra arguments.
func startRedis(dir string, extra ...string) (*redisServer, error) {
	s, err := newRedis(dir)
	if err != nil {
		return nil, err
	}
	s.extra = extra
	return s, s.start()
}

// newRedis picks the binary and a free port.
func newRedis(dir string) (*redisServer, error) {
	bin := os.Getenv("REDIS_SERVER")
	if bin == "" {
		bin = "redis-server"
	}
	if _, err := exec.LookPath(bin); err != nil {
		return nil, fmt.Errorf("redis-server is needed for the load test and was not found (install it, e.g. apt-get install redis-server, or set REDIS_SERVER): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	return &redisServer{bin: bin, dir: dir, addr: addr}, nil
}

func (s *redisServer) start() error {
	_, port, _ := net.SplitHostPort(s.addr)
	s.log.Reset()
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--logfile", "", "--loglevel", "warning", "--repl-diskless-sync-delay", "0"}, s.extra...)
	if s.sentinel != "" {
		args = []string{s.sentinel, "--sentinel", "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
			"--logfile", "", "--loglevel", "warning"}
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { cmd.Wait(); close(exited) }(s.cmd, s.exited)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := s.do("PING"); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server exited at start: %s", s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("redis-server did not answer PING within 10 s")
}

// crash kills Redis with SIGKILL: no shutdown, no final save.
func (s *redisServer) crash() {
	s.cmd.Process.Kill()
	<-s.exited
}

func (s *redisServer) pause()  { s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *redisServer) resume() { s.cmd.Process.Signal(syscall.SIGCONT) }

func (s *redisServer) stop() {
	s.resume()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.crash()
	}
}

// do runs one command on a connection of its own.
func (s *redisServer) do(cmd string, args ...any) (any, error) {
	c, err := redis.Dial("tcp", s.addr, redis.DialConnectTimeout(time.Second),
		redis.DialReadTimeout(2*time.Second), redis.DialWriteTimeout(time.Second))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Do(cmd, args...)
}

// clients is the number of client connections, not counting the one that
// asks.
func (s *redisServer) clients() (int, error) {
	info, err := redis.String(s.do("INFO", "clients"))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "connected_clients:"); ok {
			n, err := strconv.Atoi(v)
			return n - 1, err
		}
	}
	return 0, errors.New("INFO clients has no connected_clients")
}

// sessions is the number of session keys under prefix.
func (s *redisServer) sessions(prefix string) (int, error) {
	n := 0
	cursor := "0"
	for {
		v, err := redis.Values(s.do("SCAN", cursor, "MATCH", prefix+"*", "COUNT", 1000))
		if err != nil {
			return 0, err
		}
		keys, _ := redis.Strings(v[1], nil)
		n += len(keys)
		if cursor, _ = redis.String(v[0], nil); cursor == "0" {
			return n, nil
		}
	}
}

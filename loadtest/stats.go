package main

// Counting and the report.

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    map[string]int // failures outside the outages, by kind
	outage    map[string]int // failures inside them, by kind
	scenarios map[string]int
}

func newStats() *stats {
	return &stats{errors: map[string]int{}, outage: map[string]int{}, scenarios: map[string]int{}}
}

func (s *stats) request(d time.Duration) {
	s.mu.Lock()
	s.latencies = append(s.latencies, d)
	s.mu.Unlock()
}

func (s *stats) error(kind string) {
	s.mu.Lock()
	s.errors[kind]++
	s.mu.Unlock()
}

func (s *stats) outageError(kind string) {
	s.mu.Lock()
	s.outage[kind]++
	s.mu.Unlock()
}

// failures is the number of requests that failed outside the outages.
func (s *stats) failures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sum(s.errors)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (s *stats) scenario(kind string) {
	s.mu.Lock()
	s.scenarios[kind]++
	s.mu.Unlock()
}

func (s *stats) report(w io.Writer, sessions, concurrency int, elapsed time.Duration, tokenCalls map[string]int,
	lost map[int]string, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lat := slices.Clone(s.latencies)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	fmt.Fprintf(w, "sessions          %d (concurrency %d)\n", sessions, concurrency)
	for _, k := range slices.Sorted(maps.Keys(s.scenarios)) {
		fmt.Fprintf(w, "  %-24s%d\n", k, s.scenarios[k])
	}
	fmt.Fprintf(w, "browser requests  %d in %v (%.0f/s; a redirect chain counts once)\n",
		len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds())
	fmt.Fprintf(w, "latency           p50 %v  p95 %v  p99 %v  max %v\n", pct(0.50), pct(0.95), pct(0.99), pct(1))
	total := 0
	for _, g := range slices.Sorted(maps.Keys(tokenCalls)) {
		total += tokenCalls[g]
		fmt.Fprintf(w, "token calls       %-20s%6d  (%.2f per session)\n", g, tokenCalls[g], float64(tokenCalls[g])/float64(sessions))
	}
	fmt.Fprintf(w, "token calls       %-20s%6d  (%.2f per session)\n", "all", total, float64(total)/float64(sessions))
	fmt.Fprintf(w, "errors in outages %d (retried once Redis was back)\n", sum(s.outage))
	for _, k := range slices.Sorted(maps.Keys(s.outage)) {
		fmt.Fprintf(w, "  %-50s%d\n", k, s.outage[k])
	}
	fmt.Fprintf(w, "errors outside    %d (sessions with one: %d)\n", sum(s.errors), failed)
	for _, k := range slices.Sorted(maps.Keys(s.errors)) {
		fmt.Fprintf(w, "  %-50s%d\n", k, s.errors[k])
	}
	fmt.Fprintf(w, "sessions lost     %d\n", len(lost))
	for _, n := range slices.Sorted(maps.Keys(lost))[:min(len(lost), 10)] {
		fmt.Fprintf(w, "  session %d (%s): %s\n", n, kindOf(n), lost[n])
	}
}

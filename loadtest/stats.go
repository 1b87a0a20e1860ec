package main

// Counting and the report.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    map[string]int
	scenarios map[string]int
}

func newStats() *stats {
	return &stats{errors: map[string]int{}, scenarios: map[string]int{}}
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

func (s *stats) errorCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.errors {
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
	lost map[int]string, failed int, logs *logCounter, before, after int) {
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
	fmt.Fprintf(w, "errors            %d (sessions with an error: %d)\n", len(s.errors), failed)
	for _, k := range slices.Sorted(maps.Keys(s.errors)) {
		fmt.Fprintf(w, "  %-50s%d\n", k, s.errors[k])
	}
	fmt.Fprintf(w, "library logs      %d errors, %d warnings\n", logs.errors.Load(), logs.warnings.Load())
	logs.mu.Lock()
	for _, m := range logs.first {
		fmt.Fprintf(w, "  %.300s\n", m)
	}
	logs.mu.Unlock()
	fmt.Fprintf(w, "sessions lost     %d\n", len(lost))
	for _, n := range slices.Sorted(maps.Keys(lost))[:min(len(lost), 10)] {
		fmt.Fprintf(w, "  session %d (%s): %s\n", n, kindOf(n), lost[n])
	}
	fmt.Fprintf(w, "goroutines        %d before the load, %d after it (app and fake running, idle)\n", before, after)
}

// logCounter is the app's logger: it counts warnings and errors and keeps
// the first few, since a clean run logs none.
type logCounter struct {
	errors, warnings atomic.Int64
	mu               sync.Mutex
	first            []string
}

func (l *logCounter) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *logCounter) WithGroup(string) slog.Handler                 { return l }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.errors.Add(1)
	} else {
		l.warnings.Add(1)
	}
	l.mu.Lock()
	if len(l.first) < 5 {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		l.first = append(l.first, msg)
	}
	l.mu.Unlock()
	return nil
}

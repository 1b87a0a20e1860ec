package main

// Redis outages in the middle of the load, and the windows they cover.
//
// An outage window runs from the moment Redis stops answering (crash or
// SIGSTOP) until it answers again, plus a grace period: requests that were
// waiting on Redis when it came back still end with its error a moment
// later (a read timeout, a connection that was reset). A failed request
// that overlaps a window is an outage error: expected, and retried by the
// browser once the window ends. Any other failed request is a failure.

import (
	"fmt"
	"sync"
	"time"
)

type window struct {
	what       string
	start, end time.Time // end is zero while the outage lasts
	back       time.Time // when Redis answered again
}

type outages struct {
	grace time.Duration

	mu      sync.Mutex
	windows []window
}

func (o *outages) begin(what string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.windows = append(o.windows, window{what: what, start: time.Now()})
	return len(o.windows) - 1
}

// over notes that Redis answers again; the window ends after the grace.
func (o *outages) over(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	o.windows[i].back = now
	o.windows[i].end = now.Add(o.grace)
}

// covers reports whether [from, to] overlaps a window.
func (o *outages) covers(from, to time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, w := range o.windows {
		if !to.Before(w.start) && (w.end.IsZero() || !from.After(w.end)) {
			return true
		}
	}
	return false
}

// wait blocks until no window is open.
func (o *outages) wait() {
	for {
		o.mu.Lock()
		var until time.Time
		for _, w := range o.windows {
			if w.end.IsZero() {
				until = time.Now().Add(50 * time.Millisecond)
			} else if w.end.After(until) {
				until = w.end
			}
		}
		o.mu.Unlock()
		d := time.Until(until)
		if d <= 0 {
			return
		}
		time.Sleep(d)
	}
}

// near tells where t falls against the windows, for a lost session's
// report: inside one, or how long after the end (or before the start) of
// the nearest.
func (o *outages) near(t time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	best, gap := "", time.Duration(1<<62)
	for _, w := range o.windows {
		var d time.Duration
		var s string
		switch {
		case t.Before(w.start):
			d = w.start.Sub(t)
			s = fmt.Sprintf("%v before the %s", d.Round(time.Millisecond), w.what)
		case w.end.IsZero() || !t.After(w.end):
			return "inside the window of the " + w.what
		default:
			d = t.Sub(w.end)
			s = fmt.Sprintf("%v after the window of the %s", d.Round(time.Millisecond), w.what)
		}
		if d < gap {
			best, gap = s, d
		}
	}
	if best == "" {
		return "no outage yet"
	}
	return best
}

func (o *outages) report() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, w := range o.windows {
		out = append(out, fmt.Sprintf("%s: Redis did not answer for %v; window with grace %v",
			w.what, w.back.Sub(w.start).Round(time.Millisecond), w.end.Sub(w.start).Round(time.Millisecond)))
	}
	return out
}

// crashAndRestart kills Redis, keeps it down for down, and starts it again
// on the same port and data directory.
func (o *outages) crashAndRestart(r *redisServer, down time.Duration) error {
	i := o.begin("crash (SIGKILL) and restart")
	r.crash()
	time.Sleep(down)
	if err := r.start(); err != nil {
		return fmt.Errorf("restarting redis-server: %w", err)
	}
	o.over(i)
	return nil
}

// pause stops Redis with SIGSTOP for d: connections stay open and nothing
// answers, as with a Redis stuck on a slow command or a network partition.
func (o *outages) pause(r *redisServer, d time.Duration) {
	i := o.begin(fmt.Sprintf("pause (SIGSTOP for %v)", d))
	r.pause()
	time.Sleep(d)
	r.resume()
	// SIGCONT is asynchronous: the window ends when Redis answers.
	for {
		if _, err := r.do("PING"); err == nil {
			break
		}
	}
	o.over(i)
}

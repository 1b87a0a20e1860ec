// Command benchreport turns the raw results of bench/run into the markdown
// tables of docs/performance.md. It reads, from the results directory:
//
//	machine.txt    "key: value" lines (CPU, cores, Go, node, wrk, load)
//	hotpath.txt    go test -bench output of BenchmarkHotPath (-count runs)
//	scenarios.txt  go test -bench output of BenchmarkNewVisitors and
//	               BenchmarkRenewalStorm
//	memory.txt     go test -bench output of BenchmarkSessionMemory
//	wrk.txt        lines "wrk name=NAME run=I rps=R p99_ms=P non2xx=N errors=E tokencalls=T"
//	burst.txt      lines "burst name=NAME conns=C run=I rps=R p99_ms=P non2xx=N errors=E dials=D timewait=T"
//
// Every figure is the median over the runs found. Missing files leave their
// table out.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// samples maps a benchmark name (without the -GOMAXPROCS suffix) to its
// values per unit, one per run.
type samples map[string]map[string][]float64

func readBench(path string) samples {
	s := samples{}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		name = strings.TrimPrefix(name, "Benchmark")
		if s[name] == nil {
			s[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			s[name][fields[i+1]] = append(s[name][fields[i+1]], v)
		}
	}
	return s
}

// med returns the median of name's unit, and false if there is none.
func (s samples) med(name, unit string) (float64, bool) {
	v := s[name][unit]
	if len(v) == 0 {
		return math.NaN(), false
	}
	return median(v), true
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func (s samples) runs(name, unit string) int { return len(s[name][unit]) }

type wrkRun struct {
	rps, p99 float64
	non2xx   int
	errors   int
	calls    int
	conns    int // burst.txt only
	dials    int
	timeWait int
}

// readWrk reads wrk.txt (lines starting with "wrk") or burst.txt ("burst").
func readWrk(path string) (map[string][]wrkRun, []string) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	out := map[string][]wrkRun{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || (fields[0] != "wrk" && fields[0] != "burst") {
			continue
		}
		kv := map[string]string{}
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			kv[k] = v
		}
		num := func(k string) float64 { v, _ := strconv.ParseFloat(kv[k], 64); return v }
		name := kv["name"]
		if c := kv["conns"]; c != "" {
			name += " -c" + c
		}
		if _, ok := out[name]; !ok {
			order = append(order, name)
		}
		out[name] = append(out[name], wrkRun{rps: num("rps"), p99: num("p99_ms"),
			non2xx: int(num("non2xx")), errors: int(num("errors")), calls: int(num("tokencalls")),
			conns: int(num("conns")), dials: int(num("dials")), timeWait: int(num("timewait"))})
	}
	return out, order
}

func main() {
	dir := flag.String("dir", "bench/results", "results directory")
	flag.Parse()
	log.SetFlags(0)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	machine(w, filepath.Join(*dir, "machine.txt"))
	hot := readBench(filepath.Join(*dir, "hotpath.txt"))
	hotPath(w, hot)
	redisTraffic(w, hot)
	throughput(w, filepath.Join(*dir, "wrk.txt"))
	bursts(w, filepath.Join(*dir, "burst.txt"))
	sc := readBench(filepath.Join(*dir, "scenarios.txt"))
	newVisitors(w, sc)
	storms(w, sc)
	memory(w, readBench(filepath.Join(*dir, "memory.txt")))
}

func machine(w io.Writer, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	fmt.Fprintln(w, "### Machine")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| | |")
	fmt.Fprintln(w, "|---|---|")
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, ":")
		fmt.Fprintf(w, "| %s | %s |\n", strings.TrimSpace(k), strings.TrimSpace(v))
	}
	fmt.Fprintln(w)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func fmtNs(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

var impls = []string{"floor", "floor-bytes", "floor-codec", "wixauth", "wixauth-gob", "wixauth-sealed", "limit"}

var implNote = map[string]string{
	"floor":          "scs LoadAndSave, gob",
	"floor-bytes":    "scs LoadAndSave, gob, one []byte of the record's size",
	"floor-codec":    "floor-bytes with session.Codec",
	"wixauth":        "middleware, default config (session.Codec)",
	"wixauth-gob":    "middleware, scs gob codec",
	"wixauth-sealed": "middleware, session.Codec + AES-GCM",
	"limit":          "bare handler: one map read / one Redis GET",
}

func hotPath(w io.Writer, s samples) {
	if s == nil {
		return
	}
	fmt.Fprintln(w, "### 1. Hot path: one steady-state request (go test -bench -benchmem)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Median of the runs. ns/op is wall time; CPU/op is the process's CPU time (GC included, Redis waits excluded) per request, steadier on a busy machine. Ratios are to the floor in the same store; Δallocs = allocs − the floor's.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| store | app | ns/op | vs floor | CPU/op | vs floor | B/op | allocs/op | Δallocs | runs |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	var targets []string
	for _, store := range []string{"mem", "redis"} {
		base := "HotPath/store=" + store + "/impl=floor"
		fns, ok := s.med(base, "ns/op")
		if !ok {
			continue
		}
		fa, _ := s.med(base, "allocs/op")
		fcpu, _ := s.med(base, "cpu-ns/op")
		bns, hasBytes := s.med("HotPath/store="+store+"/impl=floor-bytes", "ns/op")
		ba, _ := s.med("HotPath/store="+store+"/impl=floor-bytes", "allocs/op")
		cns, hasCodec := s.med("HotPath/store="+store+"/impl=floor-codec", "ns/op")
		ca, _ := s.med("HotPath/store="+store+"/impl=floor-codec", "allocs/op")
		ccpu, _ := s.med("HotPath/store="+store+"/impl=floor-codec", "cpu-ns/op")
		for _, impl := range impls {
			name := "HotPath/store=" + store + "/impl=" + impl
			ns, ok := s.med(name, "ns/op")
			if !ok {
				continue
			}
			bop, _ := s.med(name, "B/op")
			al, _ := s.med(name, "allocs/op")
			cpu, _ := s.med(name, "cpu-ns/op")
			fmt.Fprintf(w, "| %s | %s (%s) | %s | %.2f× | %s | %.2f× | %.0f | %.0f | %+.0f | %d |\n",
				store, impl, implNote[impl], fmtNs(ns), ns/fns, fmtNs(cpu), cpu/fcpu, bop, al, al-fa, s.runs(name, "ns/op"))
			switch impl {
			case "wixauth-gob":
				targets = append(targets, fmt.Sprintf("- %s, same codec as the floor (gob): %.3f× the floor's time (target ≤ 1.05×: %s), %+.0f allocations (target ≤ +2: %s)",
					store, ns/fns, verdict(ns/fns <= 1.05), al-fa, verdict(al-fa <= 2)))
				if hasBytes {
					targets = append(targets, fmt.Sprintf("- %s, same codec and same session bytes as floor-bytes: %.3f× its time (target ≤ 1.05×: %s), %+.0f allocations (target ≤ +2: %s)",
						store, ns/bns, verdict(ns/bns <= 1.05), al-ba, verdict(al-ba <= 2)))
				}
			case "wixauth":
				targets = append(targets, fmt.Sprintf("- %s, wixauth's codec (default config): %.3f× the floor's time (target < 1×: %s)",
					store, ns/fns, verdict(ns/fns < 1)))
				if hasCodec {
					targets = append(targets, fmt.Sprintf("- %s, the middleware's own cost (wixauth vs floor-codec, same codec and session): %+.0f ns wall, %+.0f ns CPU, %+.0f allocations per request (%.1f%% of the gob floor's time)",
						store, ns-cns, cpu-ccpu, al-ca, 100*(ns-cns)/fns))
				}
			}
		}
	}
	fmt.Fprintln(w)
	for _, t := range targets {
		fmt.Fprintln(w, t)
	}
	fmt.Fprintln(w)
}

func redisTraffic(w io.Writer, s samples) {
	if s == nil {
		return
	}
	if _, ok := s.med("HotPath/store=redis/impl=floor", "GET/op"); !ok {
		return
	}
	fmt.Fprintln(w, "### 2. Redis commands per steady-state request (INFO commandstats)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| app | GET/request | other commands/request | target (1 GET, no write) |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	for _, impl := range impls {
		name := "HotPath/store=redis/impl=" + impl
		g, ok := s.med(name, "GET/op")
		if !ok {
			continue
		}
		o, _ := s.med(name, "other-cmds/op")
		fmt.Fprintf(w, "| %s | %.3f | %.3f | %s |\n", impl, g, o, verdict(g == 1 && o == 0))
	}
	fmt.Fprintln(w)
}

func throughput(w io.Writer, path string) {
	runs, order := readWrk(path)
	if runs == nil {
		return
	}
	type agg struct {
		rps, p99   float64
		n          int
		bad, calls int
		present    bool
	}
	a := map[string]agg{}
	for name, rs := range runs {
		var rps, p99 []float64
		g := agg{present: true, n: len(rs)}
		for _, r := range rs {
			rps = append(rps, r.rps)
			p99 = append(p99, r.p99)
			g.bad += r.non2xx + r.errors
			g.calls = max(g.calls, r.calls)
		}
		g.rps, g.p99 = median(rps), median(p99)
		a[name] = g
	}
	fmt.Fprintln(w, "### 3–4. Throughput on loopback (wrk, steady-state session, fixed Cookie)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Median of the runs. Ratios: throughput = this / reference, p99 = this / reference (lower is better). vs limit: the median over the rounds of this server's requests/s over the limit's in the same round (the runs rotate through the servers), and the lowest and highest of them.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | requests/s | p99 | vs limit (same store): req/s [min–max] | vs floor (same store): req/s, p99 | vs @wix/sdk: req/s, p99 | runs | non-2xx+errors | token calls |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	node := a["node-sdk"]
	var targets []string
	for _, name := range order {
		g := a[name]
		store := "mem"
		if strings.HasSuffix(name, "-redis") {
			store = "redis"
		}
		vsFloor, vsNode, vsLimit := "", "", ""
		if lim, ok := runs["limit-"+store]; ok && name != "node-sdk" && name != "limit-"+store {
			var rs []float64
			for i, r := range runs[name] {
				if i < len(lim) && lim[i].rps > 0 {
					rs = append(rs, r.rps/lim[i].rps)
				}
			}
			if len(rs) > 0 {
				m := median(rs)
				vsLimit = fmt.Sprintf("%.2f× [%.2f–%.2f]", m, slices.Min(rs), slices.Max(rs))
				if name == "wixauth-"+store {
					want := map[string]float64{"mem": 0.80, "redis": 0.85}[store]
					targets = append(targets, fmt.Sprintf("- %s, wixauth's default config vs the limit: %.2f× its throughput (target ≥ %.2f×: %s)", store, m, want, verdict(m >= want)))
				}
			}
		}
		if f, ok := a["floor-"+store]; ok && name != "node-sdk" {
			vsFloor = fmt.Sprintf("%.2f×, %.2f×", g.rps/f.rps, g.p99/f.p99)
			impl := strings.TrimSuffix(name, "-"+store)
			switch impl {
			case "wixauth-gob":
				targets = append(targets, fmt.Sprintf("- %s, same codec as the floor: %.1f%% of the floor's throughput (target ≥ 95%%: %s)", store, 100*g.rps/f.rps, verdict(g.rps/f.rps >= 0.95)))
				if fb, ok := a["floor-bytes-"+store]; ok {
					targets = append(targets, fmt.Sprintf("- %s, same codec and session bytes as floor-bytes: %.1f%% of its throughput (target ≥ 95%%: %s)", store, 100*g.rps/fb.rps, verdict(g.rps/fb.rps >= 0.95)))
				}
			case "wixauth":
				targets = append(targets, fmt.Sprintf("- %s, wixauth's codec: %.1f%% of the floor's throughput (target > 100%%: %s)", store, 100*g.rps/f.rps, verdict(g.rps/f.rps > 1)))
			}
		}
		if node.present && name != "node-sdk" && strings.HasPrefix(name, "wixauth") {
			vsNode = fmt.Sprintf("%.1f×, %.2f×", g.rps/node.rps, g.p99/node.p99)
			if name == "wixauth-mem" || name == "wixauth-redis" {
				targets = append(targets, fmt.Sprintf("- %s vs the official @wix/sdk path: %.1f× its throughput (target ≥ 8×: %s), p99 %.2f× its p99 (target < 1×: %s)",
					name, g.rps/node.rps, verdict(g.rps/node.rps >= 8), g.p99/node.p99, verdict(g.p99 < node.p99)))
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f ms | %s | %s | %s | %d | %d | %d |\n", name, g.rps, g.p99, vsLimit, vsFloor, vsNode, g.n, g.bad, g.calls)
	}
	fmt.Fprintln(w)
	for _, t := range targets {
		fmt.Fprintln(w, t)
	}
	fmt.Fprintln(w)
}

// bursts compares wixauth at its defaults with a plain scs + redisstore app
// under many connections at once (section 8 of bench/run).
func bursts(w io.Writer, path string) {
	runs, order := readWrk(path)
	if len(runs) == 0 {
		return
	}
	fmt.Fprintln(w, "### 8. Bursts over Redis (wrk -c256, -c1000; steady-state session)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "scs-redisstore: the floor app (LoadAndSave, gob) on scs/redisstore's documented pool (MaxIdle 10, no cap); wixauth-redis: the middleware at its defaults (stores.Open, no query). Median of the runs; dials and TIME_WAIT are per run (median).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server | requests/s | p99 | vs scs-redisstore: req/s | runs | non-2xx+errors (all runs) | Redis dials | new TIME_WAIT sockets |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var targets []string
	for _, name := range order {
		rs := runs[name]
		var rps, p99, dials, tw []float64
		bad := 0
		for _, r := range rs {
			rps, p99 = append(rps, r.rps), append(p99, r.p99)
			dials, tw = append(dials, float64(r.dials)), append(tw, float64(r.timeWait))
			bad += r.non2xx + r.errors
		}
		vs := ""
		if impl, conns, ok := strings.Cut(name, " "); ok && impl == "wixauth-redis" {
			if base, ok := runs["scs-redisstore "+conns]; ok {
				var b []float64
				for _, r := range base {
					b = append(b, r.rps)
				}
				ratio := median(rps) / median(b)
				vs = fmt.Sprintf("%.2f×", ratio)
				targets = append(targets, fmt.Sprintf("- wrk %s over a healthy Redis: %d errors (target 0: %s), %.2f× the throughput of scs + redisstore at its defaults (target ≥ 1.3×: %s)",
					conns, bad, verdict(bad == 0), ratio, verdict(ratio >= 1.3)))
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f ms | %s | %d | %d | %.0f | %.0f |\n", name, median(rps), median(p99), vs, len(rs), bad, median(dials), median(tw))
	}
	fmt.Fprintln(w)
	for _, t := range targets {
		fmt.Fprintln(w, t)
	}
	fmt.Fprintln(w)
}

func newVisitors(w io.Writer, s samples) {
	if s == nil {
		return
	}
	fmt.Fprintln(w, "### 5. New visitors: N at once, token endpoint delayed by one round trip")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Latency of each visitor's first request (ms), all waves pooled; floor = LoadAndSave + its own token call.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| N | floor p50 / p99 | wixauth p50 / p99 / max | wixauth, 1,000 idle connections p50 / p99 | token calls per visitor |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, n := range []int{1, 10, 100, 500} {
		pre := fmt.Sprintf("NewVisitors/N=%d/impl=", n)
		get := func(impl, unit string) float64 { v, _ := s.med(pre+impl, unit); return v }
		if _, ok := s.med(pre+"wixauth", "p99-ms"); !ok {
			continue
		}
		fmt.Fprintf(w, "| %d | %.1f / %.1f | %.1f / %.1f / %.1f | %.1f / %.1f | %.2f |\n", n,
			get("floor", "p50-ms"), get("floor", "p99-ms"),
			get("wixauth", "p50-ms"), get("wixauth", "p99-ms"), get("wixauth", "max-ms"),
			get("wixauth-pooled", "p50-ms"), get("wixauth-pooled", "p99-ms"),
			get("wixauth", "token-calls/visitor"))
	}
	fmt.Fprintln(w)
}

func storms(w io.Writer, s samples) {
	if s == nil {
		return
	}
	fmt.Fprintln(w, "### 6. Renewal storms: M requests at once of one session with an expired access token")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| M | token calls per storm (target 1) | p50 | p99 | max | store writes per storm |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
	for _, m := range []int{10, 100, 500} {
		name := fmt.Sprintf("RenewalStorm/M=%d", m)
		c, ok := s.med(name, "token-calls/storm")
		if !ok {
			continue
		}
		p50, _ := s.med(name, "p50-ms")
		p99, _ := s.med(name, "p99-ms")
		mx, _ := s.med(name, "max-ms")
		wr, _ := s.med(name, "store-writes/storm")
		fmt.Fprintf(w, "| %d | %.2f (%s) | %.1f ms | %.1f ms | %.1f ms | %.0f |\n", m, c, verdict(c == 1), p50, p99, mx, wr)
	}
	fmt.Fprintln(w)
}

func memory(w io.Writer, s samples) {
	if s == nil {
		return
	}
	fmt.Fprintln(w, "### 7. Memory per session")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Token strings (access + refresh) of the session measured; overhead = the rest.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| app | token bytes | encoded | memstore heap/session (overhead) | memstore per 10,000 | Redis STRLEN | Redis MEMORY USAGE | Redis used_memory/session (overhead) | Redis per 10,000 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, impl := range impls {
		m := "SessionMemory/store=mem/impl=" + impl
		r := "SessionMemory/store=redis/impl=" + impl
		tok, ok := s.med(m, "tokens-B")
		if !ok {
			continue
		}
		get := func(name, unit string) float64 { v, _ := s.med(name, unit); return v }
		fmt.Fprintf(w, "| %s | %.0f B | %.0f B | %.0f B (+%.0f) | %.1f MiB | %.0f B | %.0f B | %.0f B (+%.0f) | %.1f MiB |\n", impl, tok,
			get(m, "encoded-B"), get(m, "heap-B/session"), get(m, "overhead-B/session"), get(m, "heap-MiB/10k-sessions"),
			get(r, "strlen-B"), get(r, "memory-usage-B"), get(r, "used-memory-B/session"), get(r, "overhead-B/session"), get(r, "used-memory-MiB/10k-sessions"))
	}
	fmt.Fprintln(w)
}

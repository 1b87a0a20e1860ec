// Package bench holds wixauth's benchmarks: the middleware's hot path
// against the floor of a plain scs app, Redis traffic per request, new
// visitors under a slow token endpoint, renewal storms and the memory a
// session costs. bench/run runs them with the loopback throughput
// comparisons (wrk against Go servers and against the official JavaScript
// SDK) and prints one table; docs/performance.md explains the figures.
//
// The benchmarks read these environment variables:
//
//	WIXAUTH_BENCH_TOKEN_DELAY  delay of the fake's token endpoint for the
//	                           new-visitor and renewal-storm benchmarks (50ms)
//	WIXAUTH_BENCH_SESSIONS     sessions stored by BenchmarkSessionMemory (10000)
//
// With -benchtime=1x every benchmark runs once, in a few seconds in all.
package bench

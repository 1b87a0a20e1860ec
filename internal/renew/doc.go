// Package renew is the mechanism of token renewal, free of any policy: it
// shares one call per key between the callers of a process (Share), keeps
// callers from repeating a failed call during a back-off (Gate), and runs
// the lease protocol that lets the instances of an app make one call per
// key between them (Across). What a token is, when it is due and what a
// failure means is wixauth's policy (renewal.go in the root package), which
// calls into this package and is never called by it.
package renew

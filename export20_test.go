package wixauth

import "time"

// TakeNewVisitor spends one new visitor session of addr's budget, as the
// middleware does, for the tests of the budget's table: a storm from tens
// of thousands of addresses is too slow to send through HTTP.
func (a *Auth) TakeNewVisitor(addr string, now time.Time) time.Duration {
	return a.visitors.Take(addr, now)
}

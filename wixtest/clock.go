package wixtest

import "time"

// AccessTokenLifetime returns how long the access tokens the fake issues
// live (WithAccessTokenLifetime, default DefaultAccessTokenLifetime), for
// tests that seed sessions with IssueVisitorTokens or IssueMemberTokens and
// need their expiry.
func (s *Server) AccessTokenLifetime() time.Duration { return s.accessLifetime }

// Clock returns the fake's clock (Now, Advance included) as a function, to
// give to wixauth.Config.Now: with one clock, Advance shows in the app as
// tokens that expired and are renewed, not as Wix refusing tokens the app
// still believes valid.
func (s *Server) Clock() func() time.Time { return s.Now }

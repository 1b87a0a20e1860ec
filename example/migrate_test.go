package main

import (
	"testing"
	"time"
)

// SESSION_MIGRATE_UNTIL takes a date or a duration from now; anything
// else is an error that shows both forms.
func TestMigrateUntil(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if got, err := migrateUntil("2026-12-06T12:00:00Z", now); err != nil || !got.Equal(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v %v", got, err)
	}
	if got, err := migrateUntil("24h", now); err != nil || !got.Equal(now.Add(24*time.Hour)) {
		t.Errorf("duration: %v %v", got, err)
	}
	for _, bad := range []string{"tomorrow", "-1h", "0s"} {
		if _, err := migrateUntil(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

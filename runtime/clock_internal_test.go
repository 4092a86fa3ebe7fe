package runtime

import (
	"testing"
	"time"
)

// TestClockReadsNow: a clock's readings lie between time.Now readings
// taken around them, by the wall clock and by the monotonic one, whatever
// its base: fresh, served for a while, too old, or ahead of now.
func TestClockReadsNow(t *testing.T) {
	var c clock
	check := func(what string) {
		t.Helper()
		before := time.Now()
		got := c.now()
		after := time.Now()
		if got.Before(before) || got.After(after) {
			t.Errorf("%s: %v not within [%v, %v] (monotonic)", what, got, before, after)
		}
		if w := got.Round(0); w.Before(before.Round(0)) || w.After(after.Round(0)) {
			t.Errorf("%s: %v not within [%v, %v] (wall clock)", what, w, before.Round(0), after.Round(0))
		}
	}
	check("first reading")
	for range 1000 {
		check("a reading from the base")
	}
	old := time.Now().Add(-2 * clockRebase)
	c.base.Store(&old)
	check("a base older than clockRebase")
	if c.base.Load() == &old {
		t.Error("a base older than clockRebase was kept")
	}
	ahead := time.Now().Add(time.Hour)
	c.base.Store(&ahead)
	check("a base ahead of now")
	if c.base.Load() == &ahead {
		t.Error("a base ahead of now was kept")
	}
}

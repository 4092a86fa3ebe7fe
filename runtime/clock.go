package runtime

import (
	"sync/atomic"
	"time"
)

// clockRebase is how long a clock's base serves before the wall clock is
// read again: how late its readings follow a step of the system's wall
// clock (the monotonic clock, which they add to the base, is not stepped).
const clockRebase = time.Second

// clock reads the time a call starts at with one reading of the monotonic
// clock, where time.Now takes two (the wall clock and the monotonic one):
// on a VM each is a paravirtual clock read of about 35 ns, a tenth of a
// no-op call. It adds the monotonic time elapsed since a base, taken with
// time.Now at most clockRebase ago, to that base, so its readings carry
// both clocks as time.Now's do. The zero clock is ready to use; it is
// safe for concurrent use.
type clock struct {
	base atomic.Pointer[time.Time]
}

// now returns the current time.
func (c *clock) now() time.Time {
	if b := c.base.Load(); b != nil {
		if d := time.Since(*b); d >= 0 && d < clockRebase {
			return b.Add(d)
		}
	}
	t := time.Now()
	c.base.Store(&t)
	return t
}

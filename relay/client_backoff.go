// The Client's reconnect schedule: capped, jittered exponential backoff
// and the stable-connection reset.

package relay

import (
	"time"
)

// backoff is the reconnect schedule: attempt n (from 1) waits
// d = min(min·2^(n−1), max), jittered uniformly in [d/2, d].
type backoff struct {
	min, max time.Duration
	attempt  int
}

// next counts an attempt and returns its delay for the jitter r in [0, 1).
func (b *backoff) next(r float64) time.Duration {
	b.attempt++
	return backoffDelay(b.attempt, b.min, b.max, r)
}

// reset restarts the schedule (after a stable connection).
func (b *backoff) reset() { b.attempt = 0 }

// backoffDelay is the delay of attempt n for the jitter r in [0, 1].
func backoffDelay(n int, min, max time.Duration, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	d := max
	if shift := n - 1; shift < 62 {
		if m := min << shift; m > 0 && m>>shift == min && m < max {
			d = m
		}
	}
	switch {
	case r < 0 || r != r:
		r = 0
	case r > 1:
		r = 1
	}
	half := d / 2
	return half + time.Duration(float64(d-half)*r)
}

// stableFor reports whether a connection whose first descriptor came at
// first and that closed at closed lived long enough to reset the schedule.
func stableFor(first, closed time.Time, after time.Duration) bool {
	return !first.IsZero() && closed.Sub(first) >= after
}

package runtime

// The watchdog: how a call is stopped at its deadline without a timer
// operation per call.
//
// An instance has one timer, armed by the first call that finds it
// disarmed and left armed across calls. A call publishes its deadline
// (instance.deadline) and its number in the state word (instance.state);
// when the timer fires, watch stops the running call if its deadline has
// passed, re-arms itself for the time the call has left if not, and
// disarms when the instance is idle. A call costs two atomic stores and a
// load where a timer reset and stop cost about 60 ns on the reference VM
// (docs/performance.md, "Per-call bookkeeping").
//
// A stop is aimed at one call: the state word carries the call's number,
// so a stop that arrives after its call ended (the timer's goroutine or an
// interrupt's, run late) cannot stop the next call on the same instance.

import (
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/_wazero"
)

// The state word is the call's number shifted left by two, with the
// call's status in the low bits.
const (
	stateIdle uint64 = iota
	stateRunning
	stateStopped

	stateStatus = 3 // the status bits of the state word
)

// newWatchdog sets up the instance's timer, stopped: the first call arms
// it. Made before any call, so that watch never sees a nil timer.
func (in *instance) newWatchdog() {
	in.born = time.Now()
	in.timer = time.AfterFunc(time.Hour, in.watch)
	in.timer.Stop()
}

// begin starts a call that began at start (a reading of the monotonic
// clock) and returns its token, which the call's stops and its end name.
// Calls into an instance never overlap.
func (in *instance) begin(start time.Time) uint64 {
	in.seq++
	tok := in.seq << 2
	// The deadline is published before the state: a watch that sees the
	// call running sees its deadline (or a later call's, never earlier).
	in.deadline.Store(max(int64(start.Sub(in.born)+in.b.limits.Timeout), 1))
	in.state.Store(tok | stateRunning)
	if !in.armed.Load() && in.armed.CompareAndSwap(false, true) {
		// The timer fires no earlier than this call's deadline.
		in.timer.Reset(in.b.limits.Timeout)
	}
	return tok
}

// end finishes the call tok and reports whether it ran to its end
// (false: it was stopped, and the module is closing).
func (in *instance) end(tok uint64) bool {
	in.deadline.Store(0)
	return in.state.CompareAndSwap(tok|stateRunning, tok|stateIdle)
}

// stop closes the module of call tok if that call is still running; the
// guest stops at its next termination check. Only the first stop of a
// call counts.
func (in *instance) stop(tok uint64, reason int32) {
	if in.state.CompareAndSwap(tok|stateRunning, tok|stateStopped) {
		in.stopped.Store(reason)
		// Closed "later" (patch 0004): the guest's goroutine releases the
		// module's resources at its next termination check, or close does;
		// releasing them from here raced with a WASI call in flight
		// (fd_write reads the module's file table).
		wazero.CloseModuleLater(in.mod, exitStopped)
	}
}

// watch runs when the timer fires: it stops the running call if its
// deadline has passed, else re-arms the timer for the time the call has
// left, and disarms when no call is running.
func (in *instance) watch() {
	for {
		s, d := in.state.Load(), in.deadline.Load()
		if d == 0 || s&stateStatus != stateRunning {
			in.armed.Store(false)
			// A call that began after the loads may have found the timer
			// still armed: if one is running now, watch it.
			if now := in.state.Load(); now == s || now&stateStatus != stateRunning || !in.armed.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		if left := time.Duration(d) - time.Since(in.born); left > 0 {
			in.timer.Reset(left)
			return
		}
		// Past its deadline. If the call ended just now the stop misses
		// (it names the call), and the next turn looks at what runs now.
		in.stop(s&^stateStatus, stopTimeout)
	}
}

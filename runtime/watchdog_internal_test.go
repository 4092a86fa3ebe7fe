package runtime

import (
	"testing"
	"time"
)

// TestStopNamesItsCall: a stop that arrives after its call ended (a timer's
// or an interrupt's goroutine run late) must not stop the next call on the
// same instance.
func TestStopNamesItsCall(t *testing.T) {
	in := &instance{b: &binding{limits: Limits{Timeout: time.Hour}}}
	in.newWatchdog()
	defer in.timer.Stop()
	first := in.begin(time.Now())
	if !in.end(first) {
		t.Fatal("a call nobody stopped did not end cleanly")
	}
	second := in.begin(time.Now())
	in.stop(first, stopTimeout) // late: the first call has ended
	in.stop(first, stopInterrupted)
	if got := in.stopped.Load(); got != 0 {
		t.Fatalf("a late stop of the first call recorded reason %d", got)
	}
	if !in.end(second) {
		t.Fatal("a late stop of the first call stopped the second")
	}
	if first == second {
		t.Fatal("two calls got the same token")
	}
}

// TestWatchdogDisarmsWhenIdle: the timer left armed by a call disarms when
// it fires on an idle instance, and the next call arms it again.
func TestWatchdogDisarmsWhenIdle(t *testing.T) {
	in := &instance{b: &binding{limits: Limits{Timeout: time.Hour}}}
	in.newWatchdog()
	defer in.timer.Stop()
	in.end(in.begin(time.Now()))
	if !in.armed.Load() {
		t.Fatal("a call left the watchdog disarmed")
	}
	in.timer.Stop()
	in.watch() // as if it fired: the instance is idle
	if in.armed.Load() {
		t.Fatal("the watchdog stayed armed on an idle instance")
	}
	tok := in.begin(time.Now())
	if !in.armed.Load() {
		t.Fatal("a call did not arm the idle watchdog")
	}
	in.watch() // fires early: the call has time left, so it re-arms
	if !in.armed.Load() || in.stopped.Load() != 0 || !in.end(tok) {
		t.Fatal("the watchdog stopped a call with time left, or disarmed during it")
	}
}

package runtime

import (
	"context"
	"sync"
	"testing"
)

// TestRetiredTenantClosesAfterItsLastCall: a retired tenant refuses new
// calls and is closed when its last running call leaves, not before.
func TestRetiredTenantClosesAfterItsLastCall(t *testing.T) {
	ctx := context.Background()
	ten := &Tenant{}
	if !ten.enter(ctx) {
		t.Fatal("a live tenant refused a call")
	}
	ten.retire(ctx)
	if ten.life.closed.Load() {
		t.Fatal("closed while a call was running")
	}
	if ten.enter(ctx) {
		t.Fatal("a retired tenant took a new call")
	}
	if ten.life.closed.Load() {
		t.Fatal("a refused call closed the tenant under a running one")
	}
	ten.leave(ctx)
	if !ten.life.closed.Load() || ten.life.active.Load() != 0 {
		t.Fatalf("after the last call: closed %v, active %d", ten.life.closed.Load(), ten.life.active.Load())
	}
}

// TestRetireRacingCalls: calls entering and leaving on several goroutines
// while the tenant is retired; it must end closed with no call counted,
// and no call may enter once retire has returned.
func TestRetireRacingCalls(t *testing.T) {
	ctx := context.Background()
	for range 50 {
		ten := &Tenant{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for range 200 {
					if ten.enter(ctx) {
						ten.leave(ctx)
					}
				}
			}()
		}
		close(start)
		ten.retire(ctx)
		if ten.enter(ctx) {
			t.Fatal("a call entered after retire returned")
		}
		wg.Wait()
		if !ten.life.closed.Load() || ten.life.active.Load() != 0 {
			t.Fatalf("after every call: closed %v, active %d", ten.life.closed.Load(), ten.life.active.Load())
		}
	}
}

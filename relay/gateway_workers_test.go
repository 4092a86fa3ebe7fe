package relay_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay"
)

// waitParked yields until the number of turn workers waiting for a
// session satisfies ok.
func (h *gatewayHarness) waitParked(what string, ok func(parked int64) bool) {
	h.t.Helper()
	for {
		if _, parked := h.gw.Workers(); ok(parked) {
			return
		}
		if h.ctx.Err() != nil {
			_, parked := h.gw.Workers()
			h.t.Fatalf("%d turn workers wait, want %s", parked, what)
		}
		runtime.Gosched()
	}
}

// Sessions that follow one another run on the same worker: a worker that
// ran out of work waits for the next session instead of exiting (its stack
// has grown already), and exits once Run returns.
func TestGatewayReusesTurnWorkers(t *testing.T) {
	// Waiting workers never time out here: only Run's end stops them.
	h := startGateway(t, gatewaySetup{opts: func(o *relay.GatewayOptions) { o.WorkerIdle = time.Hour }})
	for i := range 4 {
		chat := fmt.Sprintf("c%d", i)
		h.push(message("alice", chat, "m"+chat, "ping"))
		if got := h.replies(1); len(got) != 1 {
			t.Fatalf("%d replies", len(got))
		}
		h.waitParked("one or more", func(n int64) bool { return n >= 1 })
	}
	if started, _ := h.gw.Workers(); started != 1 {
		t.Errorf("%d workers started for 4 sessions one after another, want 1", started)
	}
	// Two sessions at once need two workers; both wait afterwards.
	h.push(message("alice", "x1", "mx1", "ping"))
	h.push(message("bob", "x2", "mx2", "ping"))
	h.replies(2)
	if started, _ := h.gw.Workers(); started > 2 {
		t.Errorf("%d workers started, want at most 2", started)
	}
	h.stop()
	err := <-h.runErr
	h.runErr <- err // for the harness's cleanup
	h.waitParked("none once Run has returned", func(n int64) bool { return n == 0 })
}

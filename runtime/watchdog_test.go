package runtime_test

import (
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
)

// TestTimeoutStopsACallOnAWarmInstance: an instance's watchdog is armed by
// its first call and left armed across calls, so the timer that stops a
// looping call may have been set for an earlier call's deadline. It must
// then wait for the looping call's own deadline, and stop it there.
func TestTimeoutStopsACallOnAWarmInstance(t *testing.T) {
	h := newHostile(t, "")
	for range 3 { // warm the pooled instance: its timer is armed now
		if _, err := h.mallory.CallTool(h.ctx, "state", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.mallory.CallTool(h.ctx, "spin", nil)
	wantKind(t, err, runtime.KindTimeout)
	// The stopped instance was discarded; a new one serves.
	if _, err := h.mallory.CallTool(h.ctx, "state", []byte(`{}`)); err != nil {
		t.Fatalf("the next call after a timeout: %v", err)
	}
	h.neighbourServes(t)
}

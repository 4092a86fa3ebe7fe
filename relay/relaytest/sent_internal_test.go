package relaytest

import (
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// TestSentKeepsFramesUnlessForgotten: a connection keeps every outbound
// frame for Sent, and none with Options.ForgetSent (a long load must not
// grow the record without bound).
func TestSentKeepsFramesUnlessForgotten(t *testing.T) {
	for _, forget := range []bool{false, true} {
		cn := &Conn{c: &Connector{opts: Options{ForgetSent: forget}}}
		for range 3 {
			cn.recordOutbound(wire.OutboundFrame{RequestID: "r"})
		}
		want := 3
		if forget {
			want = 0
		}
		if got := len(cn.Sent()); got != want {
			t.Errorf("ForgetSent %v: Sent holds %d frames, want %d", forget, got, want)
		}
	}
}

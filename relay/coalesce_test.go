package relay_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/relaytest"
)

// waitQueued yields until n frames wait for the writer slot.
func waitQueued(t *testing.T, ctx context.Context, queued func() int, n int) {
	t.Helper()
	for queued() != n {
		if ctx.Err() != nil {
			t.Fatalf("%d frames queued, want %d", queued(), n)
		}
		runtime.Gosched()
	}
}

// sendAll sends one action per content concurrently and returns their
// errors once all have returned.
func sendAll(h *harness, contents []string) []error {
	errs := make([]error, len(contents))
	var wg sync.WaitGroup
	for i, c := range contents {
		wg.Go(func() {
			res, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: fmt.Sprint("c", i), Content: c}, "discord", "")
			if err == nil && !res.Success {
				err = fmt.Errorf("not applied: %+v", res)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errs
}

// Frames written while another write is on the wire go out together, in
// one WebSocket message, each applied once.
func TestClientCoalescesQueuedFrames(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	cn := h.handshake()
	before := cn.Messages()
	queued, release := h.client.HoldWrites()
	const n = 10
	contents := make([]string, n)
	for i := range contents {
		contents[i] = fmt.Sprint("reply ", i)
	}
	done := make(chan []error, 1)
	go func() { done <- sendAll(h, contents) }()
	waitQueued(t, h.ctx, queued, n)
	release()
	for i, err := range <-done {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	if got := cn.Messages() - before; got != 1 {
		t.Errorf("%d queued frames went out in %d messages, want 1", n, got)
	}
	seen := map[string]int{}
	for range n {
		f, err := h.conn.Outbound(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen[f.Action.Content]++
	}
	for _, c := range contents {
		if seen[c] != 1 {
			t.Errorf("%q received %d times", c, seen[c])
		}
	}
}

// A caller that gives up while its frame is still queued takes it back:
// it is told nothing was sent, and the connector never sees it.
func TestClientWithdrawsQueuedFrame(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	cn := h.handshake()
	queued, release := h.client.HoldWrites()
	ctx, cancel := context.WithCancel(h.ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := h.client.Send(ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "given up"}, "discord", "")
		errc <- err
	}()
	waitQueued(t, h.ctx, queued, 1)
	cancel()
	if err := <-errc; !errors.Is(err, relay.ErrNotSent) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a withdrawn send: %v, want not sent and cancelled", err)
	}
	if n := queued(); n != 0 {
		t.Fatalf("%d frames still queued", n)
	}
	release()
	if errs := sendAll(h, []string{"after"}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	f, err := h.conn.Outbound(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Action.Content != "after" {
		t.Fatalf("the connector received %q first, want the frame sent after the withdrawal", f.Action.Content)
	}
	for _, s := range cn.Sent() {
		if s.Action.Content == "given up" {
			t.Fatal("a withdrawn frame reached the connector")
		}
	}
}

// Queued frames are sent in messages no larger than the connector reads
// (wire.MaxFrameSize): more than that waits for the next message.
func TestClientCoalescingKeepsMessagesWithinTheLimit(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	cn := h.handshake()
	before := cn.Messages()
	queued, release := h.client.HoldWrites()
	big := strings.Repeat("x", wire.MaxFrameSize*2/5)
	contents := []string{big + "1", big + "2", big + "3"}
	done := make(chan []error, 1)
	go func() { done <- sendAll(h, contents) }()
	waitQueued(t, h.ctx, queued, len(contents))
	release()
	for i, err := range <-done {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	if got := cn.Messages() - before; got != 2 {
		t.Errorf("three frames of %d bytes went out in %d messages, want 2", len(big), got)
	}
	select {
	case <-cn.Done():
		code, reason := cn.CloseStatus()
		t.Fatalf("the connection closed: %d %s", code, reason)
	default:
	}
}

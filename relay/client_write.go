// The Client's write side: one writer at a time on a connection, the
// pending outbound requests and their results, and the public sends
// (send, Ack, interrupt, goIdle).

package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// sendResult settles one pending outbound.
type sendResult struct {
	res wire.OutboundResult
	err error
}

// idleWait is a going_idle waiting for its ack.
type idleWait struct {
	done chan struct{}
	err  error
}

// writeFrame writes one frame. ctx bounds the wait for the writer slot;
// the write itself is bounded by the outbound timeout and the connection,
// so that a caller giving up never tears the connection down mid-frame.
//
// A frame written while another write is on the wire waits in the
// connection's queue, and the next writer sends every queued frame in one
// message (client_coalesce.go). A caller whose ctx ends while its frame
// is still queued takes it back (nothing was sent); once a writer has
// taken it, the caller waits for that write's outcome.
func (cn *wsConn) writeFrame(ctx context.Context, f wire.Frame) error {
	b, err := wire.EncodeFrame(f)
	if err != nil {
		return err
	}
	qf := cn.enqueue(b, f.FrameType())
	for {
		select {
		case err := <-qf.done:
			return err
		case cn.writeSem <- struct{}{}:
			cn.flushHeld()
		case <-ctx.Done():
			if cn.withdraw(qf) {
				return ctx.Err()
			}
			return <-qf.done
		case <-cn.ctx.Done():
			if cn.withdraw(qf) {
				return ErrDisconnected
			}
			return <-qf.done
		}
	}
}

// register adds a pending outbound; it fails once the connection is torn
// down.
func (cn *wsConn) register(id string) (chan sendResult, bool) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.closed {
		return nil, false
	}
	ch := make(chan sendResult, 1)
	cn.pending[id] = ch
	return ch, true
}

// settle delivers r to the pending request id, if any.
func (cn *wsConn) settle(id string, r sendResult) bool {
	cn.mu.Lock()
	ch, ok := cn.pending[id]
	if ok {
		delete(cn.pending, id)
	}
	empty := len(cn.pending) == 0
	cn.mu.Unlock()
	if ok {
		ch <- r
	}
	if empty {
		select {
		case cn.drained <- struct{}{}:
		default:
		}
	}
	return ok
}

func (cn *wsConn) unregister(id string) { cn.settle(id, sendResult{}) }

// send writes an outbound action and waits for its outbound_result. platform
// names the chat's underlying platform and botID the bot hello'd for it
// (when botID is empty, the configured identity of that platform). A
// chat-addressed action gets the scope_id, user_id and profile of the last
// inbound in that chat re-attached to its metadata when absent (the caller's
// map is not modified).
//
// The error is nil when a result arrived, successful or not, except for an
// egress_declined refusal, which wraps errEgressDeclined (definite: never
// retry). Without a connection it wraps [ErrNotConnected] (nothing sent). No
// result within OutboundTimeout, or ctx done after the write, wraps
// errAmbiguous; a connection lost meanwhile wraps [ErrDisconnected] and
// errAmbiguous.
func (c *Client) send(ctx context.Context, a wire.Action, platform, botID string) (wire.OutboundResult, error) {
	if a.Op == "" {
		return wire.OutboundResult{}, errors.New("relay: send: action without op")
	}
	cn := c.current()
	if cn == nil {
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: %w", a.Op, ErrNotConnected)
	}
	a = c.withMetadata(a, platform)
	if botID == "" && platform != "" {
		for _, id := range c.cfg.Identities {
			if id.Platform == platform {
				botID = id.BotID
				break
			}
		}
	}
	id := newRequestID()
	ch, ok := cn.register(id)
	if !ok {
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: %w", a.Op, ErrNotConnected)
	}
	defer cn.unregister(id)
	if err := cn.writeFrame(ctx, wire.OutboundFrame{RequestID: id, Action: a, Platform: platform, BotID: botID}); err != nil {
		// A failed write never completed the frame (a WebSocket write
		// fails only short of its last byte): the connector cannot parse,
		// let alone apply, a partial frame.
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: %w: %w", a.Op, errNotSent, err)
	}
	t := time.NewTimer(c.opts.OutboundTimeout)
	defer t.Stop()
	var r sendResult
	select {
	case r = <-ch:
	case <-t.C:
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: no outbound_result within %s: %w", a.Op, c.opts.OutboundTimeout, errAmbiguous)
	case <-ctx.Done():
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: %w: %w", a.Op, errAmbiguous, ctx.Err())
	}
	if r.err != nil {
		return wire.OutboundResult{}, fmt.Errorf("relay: %s: %w", a.Op, r.err)
	}
	if !r.res.Success && (r.res.Code == "egress_declined" || strings.Contains(r.res.Error, "egress declined:")) {
		return r.res, fmt.Errorf("relay: %s: %w: %s", a.Op, errEgressDeclined, clip(r.res.Error, 200))
	}
	return r.res, nil
}

// Ack sends inbound_ack for a buffered delivery that was handed off.
func (c *Client) Ack(ctx context.Context, bufferID string) error {
	if bufferID == "" {
		return errors.New("relay: inbound_ack: empty buffer id")
	}
	return c.write(ctx, wire.InboundAckFrame{BufferID: bufferID})
}

// interrupt sends a /stop from the gateway side for a session.
func (c *Client) interrupt(ctx context.Context, sessionKey, reason string) error {
	return c.write(ctx, wire.InterruptFrame{SessionKey: sessionKey, Reason: reason})
}

func (c *Client) write(ctx context.Context, f wire.Frame) error {
	cn := c.current()
	if cn == nil {
		return fmt.Errorf("relay: %s: %w", f.FrameType(), ErrNotConnected)
	}
	if err := cn.writeFrame(ctx, f); err != nil {
		return fmt.Errorf("relay: %s: %w", f.FrameType(), err)
	}
	return nil
}

// goIdle sends going_idle (the connector then buffers this gateway's
// traffic) and waits for going_idle_ack or ctx. The connection keeps
// serving meanwhile, so an event in the flip window is still delivered.
func (c *Client) goIdle(ctx context.Context) error {
	cn := c.current()
	if cn == nil {
		return fmt.Errorf("relay: going_idle: %w", ErrNotConnected)
	}
	cn.mu.Lock()
	if cn.closed {
		cn.mu.Unlock()
		return fmt.Errorf("relay: going_idle: %w", ErrNotConnected)
	}
	w := cn.idle
	if w == nil {
		w = &idleWait{done: make(chan struct{})}
		cn.idle = w
	}
	cn.mu.Unlock()
	if err := cn.writeFrame(ctx, wire.GoingIdleFrame{}); err != nil {
		return fmt.Errorf("relay: going_idle: %w", err)
	}
	select {
	case <-w.done:
		if w.err != nil {
			return fmt.Errorf("relay: going_idle: %w", w.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("relay: going_idle: no ack: %w", ctx.Err())
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// newRequestID returns 32 random lowercase hex characters.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

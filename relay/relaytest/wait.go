// What a test waits for and pushes through the Connector: connections,
// the gateway's outbound, inbound_ack, going_idle and interrupt frames
// (each delivered through a channel, waited for with a context), and
// inbound messages pushed to the latest connection.

package relaytest

import (
	"context"
	"errors"
	"fmt"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// WaitConnected returns the next connection that sent its first hello, in
// order of arrival.
func (c *Connector) WaitConnected(ctx context.Context) (*Conn, error) {
	return recv(ctx, c.connected, "a connection")
}

// WaitAccepted returns the next upgraded connection, including those
// rejected or failing auth.
func (c *Connector) WaitAccepted(ctx context.Context) (*Conn, error) {
	return recv(ctx, c.accepted, "an upgrade")
}

// Latest returns the most recent connection that sent a hello, or nil.
func (c *Connector) Latest() *Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}

// Push sends an inbound message on the latest connection.
func (c *Connector) Push(ctx context.Context, in relay.Inbound) error {
	cn := c.Latest()
	if cn == nil {
		return errors.New("relaytest: no connection")
	}
	return cn.Push(ctx, in)
}

// PushInterrupt sends interrupt_inbound on the latest connection.
func (c *Connector) PushInterrupt(ctx context.Context, sessionKey, chatID string) error {
	cn := c.Latest()
	if cn == nil {
		return errors.New("relaytest: no connection")
	}
	return cn.PushInterrupt(ctx, sessionKey, chatID)
}

// Outbound returns the next outbound frame the gateway sent.
func (c *Connector) Outbound(ctx context.Context) (wire.OutboundFrame, error) {
	return recv(ctx, c.outbound, "an outbound frame")
}

// PendingOutbound returns the next outbound frame the gateway already
// sent, without waiting: ok is false when there is none.
func (c *Connector) PendingOutbound() (f wire.OutboundFrame, ok bool) {
	select {
	case f = <-c.outbound:
		return f, true
	default:
		return f, false
	}
}

// InboundAck returns the buffer id of the next inbound_ack.
func (c *Connector) InboundAck(ctx context.Context) (string, error) {
	return recv(ctx, c.acks, "an inbound_ack")
}

// GoingIdle waits for the next going_idle.
func (c *Connector) GoingIdle(ctx context.Context) error {
	_, err := recv(ctx, c.idles, "a going_idle")
	return err
}

// Interrupt returns the next interrupt frame the gateway sent.
func (c *Connector) Interrupt(ctx context.Context) (wire.InterruptFrame, error) {
	return recv(ctx, c.interrupt, "an interrupt")
}

func recv[T any](ctx context.Context, ch chan T, what string) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("relaytest: waiting for %s: %w", what, ctx.Err())
	}
}

package relay

// Hooks for the external tests (package relay_test) into what the
// package does not export.

import (
	"context"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Unexported errors, defaults and replies under their test names.
var (
	ErrAmbiguous        = errAmbiguous
	ErrNotSent          = errNotSent
	ErrEgressDeclined   = errEgressDeclined
	ErrHandshakeTimeout = errHandshakeTimeout
)

const (
	ReplyInterrupted = replyInterrupted
	ReplyTimeout     = replyTimeout
	ReplyBusy        = replyBusy
	ReplyFailed      = replyFailed
)

// SessionKeyFor is sessionKeyFor.
func SessionKeyFor(src Source, profile string) string { return sessionKeyFor(src, profile) }

// DefaultGatewayID is defaultGatewayID.
func DefaultGatewayID() string { return defaultGatewayID() }

// Send is send.
func (c *Client) Send(ctx context.Context, a wire.Action, platform, botID string) (wire.OutboundResult, error) {
	return c.send(ctx, a, platform, botID)
}

// GoIdle is goIdle.
func (c *Client) GoIdle(ctx context.Context) error { return c.goIdle(ctx) }

// Interrupt is interrupt.
func (c *Client) Interrupt(ctx context.Context, sessionKey, reason string) error {
	return c.interrupt(ctx, sessionKey, reason)
}

// Descriptor is descriptor.
func (c *Client) Descriptor() (wire.Descriptor, bool) { return c.descriptor() }

// DescriptorFor is descriptorFor.
func (c *Client) DescriptorFor(platform string) (wire.Descriptor, bool) {
	return c.descriptorFor(platform)
}

// SupportsOp is supportsOp.
func (c *Client) SupportsOp(op string) bool { return c.supportsOp(op) }

// Client returns the gateway's connector client.
func (g *Gateway) Client() *Client { return g.client }

// Route is route.
func (g *Gateway) Route(ev Event) (profile, how string, ok bool) { return g.route(ev) }

// WireEvent is the wire form of ev, as a connector would send it.
func WireEvent(ev Event) wire.Event {
	return wire.Event{Text: ev.Text, MessageType: ev.MessageType, MessageID: ev.MessageID,
		ReplyToMessageID: ev.ReplyToMessageID, MediaURLs: ev.MediaURLs, Source: wire.Source(ev.Source)}
}

// Aliases is the number of connector session keys the gateway maps to its
// own.
func (g *Gateway) Aliases() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.aliases)
}

// DescriptorPlatforms is the number of platforms whose descriptor the
// client keeps.
func (c *Client) DescriptorPlatforms() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byPlatform)
}

// HoldWrites takes the current connection's writer slot, so that frames
// written meanwhile queue up. queued reports how many wait; release gives
// the slot back (the next writer then sends what is queued).
func (c *Client) HoldWrites() (queued func() int, release func()) {
	cn := c.current()
	cn.writeSem <- struct{}{}
	queued = func() int {
		cn.outMu.Lock()
		defer cn.outMu.Unlock()
		return len(cn.outq)
	}
	return queued, func() { <-cn.writeSem }
}

// Workers reports the turn workers started so far and how many wait for
// a session now.
func (g *Gateway) Workers() (started uint64, parked int64) {
	return g.counts.workers.Load(), g.parked.Load()
}

package relay

// This file runs one turn: the profile's handler under a slot of its
// profile, then the reply's parts, identity and the delivery's ack.

import (
	"context"
	"errors"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/runtime"
)

// turn handles one message: wait for a slot of its profile, run the
// handler under a context an interrupt can cancel, and hand off the reply.
func (g *Gateway) turn(s *session, in Inbound, rec *receipt) {
	ctx, cancel := context.WithCancelCause(g.turns)
	defer cancel(nil)
	g.mu.Lock()
	s.cancel = cancel
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		s.cancel = nil
		g.mu.Unlock()
	}()

	text, err := g.handle(ctx, s, in)
	switch {
	case context.Cause(ctx) != nil:
		// Interrupted: whatever the handler made of its cancelled tool
		// call, the turn is over and the reply says so.
		g.log.Info("relay: turn stopped", "profile", s.profile, "session", s.key, "cause", context.Cause(ctx))
		text = replyInterrupted
	case err == nil:
	default:
		var ce *runtime.CallError
		if errors.As(err, &ce) && ce.Kind == runtime.KindTimeout {
			text = replyTimeout
		} else {
			text = replyFailed
		}
		g.log.Warn("relay: turn failed", "profile", s.profile, "session", s.key, "error", err)
	}
	g.reply(s.profile, in, rec, text)
}

// handle waits for a slot and runs the profile's handler.
func (g *Gateway) handle(ctx context.Context, s *session, in Inbound) (string, error) {
	slot := g.slot(s.profile)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	defer func() { <-slot }()
	select {
	case g.global <- struct{}{}:
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	defer func() { <-g.global }()
	ev, src := in.Event, in.Event.Source
	// The fleet's current tenant: a reload swaps profiles under traffic.
	reply, err := g.fleet.Handle(ctx, s.profile, abi.HandleRequest{
		SessionKey: s.key, Platform: src.Platform, ChatID: src.ChatID, ChatType: src.ChatType,
		UserID: first(src.UserIDAlt, src.UserID), UserName: src.UserName,
		MessageID: ev.MessageID, MessageType: ev.MessageType, Text: ev.Text,
	})
	return reply.Text, err
}

// split cuts text at the connection's max_message_length; an empty text
// sends nothing.
func (g *Gateway) split(text string) []string {
	if text == "" {
		return nil
	}
	if d, ok := g.client.descriptor(); ok {
		return d.Split(text)
	}
	return wire.SplitText(text, wire.DefaultMaxMessageLength, wire.LenChars)
}

// identityFor names the fronted identity of a platform for outbound frames:
// the configured one of that platform, else the primary's bot on that
// platform.
func (g *Gateway) identityFor(platform string) (string, string) {
	if platform == "" {
		platform = DefaultPlatform
	}
	for _, id := range g.cfg.Identities {
		if id.Platform == platform {
			return platform, id.BotID
		}
	}
	return platform, ""
}

// ack acknowledges a buffered delivery.
func (g *Gateway) ack(bufferID string) {
	if bufferID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.opts.SendTimeout)
	defer cancel()
	err := g.client.Ack(ctx, bufferID)
	g.counts.acked(err == nil)
	if err != nil {
		g.log.Warn("relay: inbound_ack not sent; the connector will deliver again", "buffer_id", bufferID, "error", err)
	}
}

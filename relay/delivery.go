package relay

import (
	"context"
	"errors"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// notSent reports whether err says the frame was never (completely)
// written: no connection, or a write that failed. Such a send is safe to
// repeat; an ambiguous one (written, no result) is not.
func notSent(err error) bool {
	return errors.Is(err, ErrNotConnected) || errors.Is(err, errNotSent)
}

// newReply builds the send actions of a reply to in: split at the
// descriptor's max_message_length, the first replying to the message. The
// metadata carries only what the connector sent with the message (its
// scope_id, user_id and, when it stamped one, profile); the client adds the
// chat's last inbound metadata where absent. The gateway's own routing
// decision is never presented as connector metadata.
func (g *Gateway) newReply(profile string, in Inbound, rec *receipt, text string) *heldReply {
	src := in.Event.Source
	parts := g.split(text)
	h := &heldReply{profile: profile, in: in, rec: rec, total: len(parts), since: g.now()}
	for i, part := range parts {
		a := wire.Action{Op: wire.OpSend, ChatID: src.ChatID, Content: part, Metadata: map[string]any{}}
		if i == 0 && in.Event.MessageID != "" {
			a.ReplyTo = in.Event.MessageID
		}
		if src.Profile != "" {
			a.Metadata[wire.MetaProfile] = src.Profile
		}
		if src.ScopeID != "" {
			a.Metadata[wire.MetaScopeID] = src.ScopeID
		}
		if u := first(src.UserID, src.UserIDAlt); u != "" {
			a.Metadata[wire.MetaUserID] = u
		}
		h.parts = append(h.parts, a)
	}
	return h
}

// deliver hands off h's remaining parts in order. It reports true when a
// part could not be written (no connection): h then holds the parts still
// to send, none of which was written, and the caller holds it. Otherwise
// the delivery is settled: answered (every part handed off, a part's
// outcome unknown, or a definite egress refusal: acknowledged, never sent
// again) or failed (the connector refused a part: forgotten and left
// unacknowledged, so the connector delivers the message again).
func (g *Gateway) deliver(parent context.Context, h *heldReply) (held bool) {
	ctx, cancel := context.WithTimeout(parent, g.opts.SendTimeout)
	defer cancel()
	src := h.in.Event.Source
	platform, botID := g.identityFor(src.Platform)
	for len(h.parts) > 0 {
		res, err := g.client.send(ctx, h.parts[0], platform, botID)
		g.counts.sent(err == nil && res.Success)
		switch {
		case errors.Is(err, errEgressDeclined):
			g.log.Warn("relay: reply declined by the connector's egress guard", "profile", h.profile, "chat_id", src.ChatID)
			g.settle(h, true)
			return false
		case notSent(err):
			return true
		case errors.Is(err, errAmbiguous):
			// It may have been applied: sending it again could show the
			// user the same text twice. Go on with the next part.
			g.log.Warn("relay: reply part outcome unknown (the connector may have applied it); not sent again",
				"profile", h.profile, "chat_id", src.ChatID, "part", h.part+1, "parts", h.total, "error", err)
		case err != nil:
			g.log.Warn("relay: reply not handed off", "profile", h.profile, "chat_id", src.ChatID, "part", h.part+1, "parts", h.total, "error", err)
			g.settle(h, false)
			return false
		case !res.Success:
			g.log.Warn("relay: connector refused the reply", "profile", h.profile, "chat_id", src.ChatID, "part", h.part+1, "parts", h.total, "error", res.Error)
			g.settle(h, false)
			return false
		}
		h.parts = h.parts[1:]
		h.part++
	}
	g.settle(h, true)
	return false
}

// settle ends a delivery: answered, it acknowledges the delivery's buffer
// ids (the first and every joined redelivery); failed, it forgets the
// delivery so that the connector's redelivery runs again.
func (g *Gateway) settle(h *heldReply, answered bool) {
	if !answered {
		g.receipts.forget(h.rec)
		return
	}
	// Every delivery with a buffer id has a receipt (admit keys it by that
	// id), so the receipt's ids are all there is to acknowledge.
	for _, id := range g.receipts.answered(h.rec) {
		g.ack(id)
	}
}

// reply hands a turn's text off, holding it for the next connection when
// there is none.
func (g *Gateway) reply(profile string, in Inbound, rec *receipt, text string) {
	h := g.newReply(profile, in, rec, text)
	if len(h.parts) == 0 {
		g.settle(h, true)
		return
	}
	if g.deliver(context.Background(), h) {
		g.hold([]*heldReply{h}, false)
		if g.client.Connected() {
			// The connection came back while this reply was failing: its
			// handshake's flush may already have run.
			g.kickFlush()
		}
	}
}

// hold keeps replies for the next connection; what the bounds push out is
// dropped and logged, and its delivery forgotten (a buffered one is
// delivered again by the connector and runs again).
func (g *Gateway) hold(hs []*heldReply, front bool) {
	dropped := g.outbox.hold(hs, front)
	if !front {
		n, b := g.outbox.stats()
		for _, h := range hs {
			g.log.Info("relay: reply held until the connection is back", "profile", h.profile, "chat_id", h.in.Event.Source.ChatID, "message_id", h.in.Event.MessageID, "held", n, "held_bytes", b)
		}
	}
	g.dropHeld(dropped, "over the bounds of held replies")
}

func (g *Gateway) dropHeld(dropped []*heldReply, why string) {
	for _, h := range dropped {
		g.receipts.forget(h.rec)
		g.log.Warn("relay: held reply dropped: "+why, "profile", h.profile, "chat_id", h.in.Event.Source.ChatID,
			"message_id", h.in.Event.MessageID, "buffered", h.in.BufferID != "",
			"max_count", g.opts.MaxHeld, "max_bytes", g.opts.MaxHeldBytes, "max_age", g.opts.HeldTTL)
	}
}

// kickFlush asks the flusher to send the held replies.
func (g *Gateway) kickFlush() {
	select {
	case g.flushKick <- struct{}{}:
	default:
	}
}

// flushHeld sends the held replies in order; when one cannot be written,
// or ctx is done, it and the rest go back to the front of the outbox.
func (g *Gateway) flushHeld(ctx context.Context) {
	held, expired := g.outbox.take()
	g.dropHeld(expired, "held longer than the age bound")
	if len(held) == 0 {
		return
	}
	g.log.Info("relay: sending replies held while disconnected", "count", len(held))
	for i, h := range held {
		if ctx.Err() != nil || g.deliver(ctx, h) {
			g.hold(held[i:], true)
			return
		}
	}
}

// flusher runs flushHeld on every kick until ctx is done.
func (g *Gateway) flusher(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.flushKick:
			g.flushHeld(ctx)
		}
	}
}

// reportHeld logs the replies still held (at the end of Run): they are
// lost with the process.
func (g *Gateway) reportHeld() {
	if n, b := g.outbox.stats(); n > 0 {
		g.log.Warn("relay: replies still held at shutdown are lost (never written to the connector)", "held", n, "held_bytes", b)
	}
}

// logRouting says, at start, where messages the connector does not stamp
// go, and warns when gateway.default_profile names a profile not served.
func (g *Gateway) logRouting() {
	switch names := g.fleet.Names(); {
	case g.cfg.DefaultProfile != "":
		if _, ok := g.fleet.Tenant(g.cfg.DefaultProfile); !ok {
			g.log.Warn("relay: gateway.default_profile is not served by this gateway: unstamped messages no route matches will be dropped", "default_profile", g.cfg.DefaultProfile)
			return
		}
		g.log.Info("relay: unstamped messages no route matches go to gateway.default_profile", "profile", g.cfg.DefaultProfile)
	case len(names) == 1 && len(g.fleet.Failed()) == 0:
		g.log.Info("relay: unstamped messages no route matches go to the only profile served", "profile", names[0])
	default:
		g.log.Info("relay: unstamped messages no route matches are dropped (set gateway.default_profile to serve them)", "profiles", len(names))
	}
}

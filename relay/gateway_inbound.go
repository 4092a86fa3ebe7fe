package relay

// This file takes inbound messages: it routes each to one profile, queues it
// in its session and starts the session's worker; it also interrupts turns.

import (
	"context"
)

// session is one conversation: its queue and its running turn.
type session struct {
	key     string
	profile string
	queue   []queued
	running bool
	cancel  context.CancelCauseFunc // of the running turn
	// aliases are the connector's keys for this session where they differ
	// from ours (an event it did not stamp with a profile): in g.aliases
	// while the session lives, so that the map is as bounded as sessions.
	aliases []string
}

// queued is a message waiting for its turn, with its delivery record.
type queued struct {
	in  Inbound
	rec *receipt
}

// route returns the profile an event goes to, and how it was chosen
// ("source", "route NAME", "default_profile" or "only profile"); ok is
// false when the event names no profile this gateway serves. An event the
// connector did not stamp goes to the most specific profile_routes rule,
// else to gateway.default_profile, else to the one profile this gateway
// serves when it serves exactly one (and none failed to load).
func (g *Gateway) route(ev Event) (profile, how string, ok bool) {
	switch {
	case ev.Source.Profile != "":
		profile, how = ev.Source.Profile, "source"
	default:
		if r, found := matchRoute(g.cfg.ProfileRoutes, ev.Source); found {
			profile, how = r.Profile, "route "+r.Name
		} else if g.cfg.DefaultProfile != "" {
			profile, how = g.cfg.DefaultProfile, "default_profile"
		} else if names := g.fleet.Names(); len(names) == 1 && len(g.fleet.Failed()) == 0 {
			profile, how = names[0], "only profile"
		} else {
			return "", "", false
		}
	}
	_, served := g.fleet.Tenant(profile)
	return profile, how, served
}

// gatewayHandler is the [Handler] a gateway gives its client, so that the
// Gateway itself exports no callbacks.
type gatewayHandler struct{ g *Gateway }

// Inbound hands the message to the gateway.
func (h gatewayHandler) Inbound(ctx context.Context, in Inbound) { h.g.inbound(ctx, in) }

// InterruptInbound hands the interrupt to the gateway.
func (h gatewayHandler) InterruptInbound(sessionKey, chatID string) {
	h.g.interruptInbound(sessionKey, chatID)
}

// inbound handles one delivery: look the delivery up (a redelivery of a
// message still running joins its turn; one already answered is
// acknowledged again and not run), route, queue, and start the session's
// worker if it is idle. It never blocks on a guest.
func (g *Gateway) inbound(ctx context.Context, in Inbound) {
	src := in.Event.Source
	rec, v := g.receipts.admit(in)
	switch v {
	case admitJoin:
		g.log.Info("relay: redelivery of a message still running joins its turn (not run again)",
			"chat_id", src.ChatID, "message_id", in.Event.MessageID, "buffer_id", in.BufferID)
		return
	case admitAnswered:
		g.log.Info("relay: redelivery of a message already answered acknowledged again (not run again)",
			"chat_id", src.ChatID, "message_id", in.Event.MessageID, "buffer_id", in.BufferID)
		g.ack(in.BufferID)
		return
	}
	profile, how, ok := g.route(in.Event)
	if !ok {
		reason := "no profile: not stamped by the connector, no profile_routes rule matches, no gateway.default_profile, and this gateway serves more than one profile"
		if profile != "" {
			reason = "profile not served by this gateway"
			if !g.opts.Shard.Owns(profile) {
				reason = misrouted(profile, g.opts.Shard)
			} else if err := g.fleet.Err(profile); err != nil {
				reason = "profile failed to load"
			}
			if how == "default_profile" {
				reason = "gateway.default_profile " + reason
			}
		}
		g.counts.dropped.Add(1)
		g.log.Warn("relay: inbound dropped", "profile", profile, "reason", reason,
			"platform", src.Platform, "chat_id", src.ChatID, "message_id", in.Event.MessageID)
		// Dropping is a decision, not a failure: acknowledge a buffered
		// delivery so that it is not redelivered forever.
		g.receipts.forget(rec)
		g.ack(in.BufferID)
		return
	}
	key := sessionKeyFor(src, profile)
	g.mu.Lock()
	s := g.sessions[key]
	if s == nil {
		s = &session{key: key, profile: profile}
		g.sessions[key] = s
	}
	if theirs := SessionKey(in.Event); theirs != key && g.aliases[theirs] != key {
		g.aliases[theirs] = key
		s.aliases = append(s.aliases, theirs)
	}
	if len(s.queue) >= g.opts.MaxQueue {
		g.mu.Unlock()
		g.counts.busy.Add(1)
		g.log.Warn("relay: session queue full; message refused", "profile", profile, "session", key, "queued", g.opts.MaxQueue)
		go g.reply(profile, in, rec, replyBusy)
		return
	}
	s.queue = append(s.queue, queued{in: in, rec: rec})
	g.pending++
	start := !s.running
	s.running = true
	g.mu.Unlock()
	g.counts.accepted.Add(1)
	g.log.Debug("relay: inbound", "profile", profile, "via", how, "session", key, "message_id", in.Event.MessageID)
	if start {
		g.startWork(s)
	}
}

// interruptInbound cancels the running turn of that
// session (and only that one).
func (g *Gateway) interruptInbound(sessionKey, chatID string) {
	g.mu.Lock()
	s := g.sessions[sessionKey]
	if s == nil {
		if ours, ok := g.aliases[sessionKey]; ok {
			s = g.sessions[ours]
		}
	}
	var cancel context.CancelCauseFunc
	if s != nil {
		cancel = s.cancel
	}
	g.mu.Unlock()
	if cancel == nil {
		g.log.Info("relay: interrupt for a session with no running turn", "session", sessionKey, "chat_id", chatID)
		return
	}
	g.log.Info("relay: interrupting", "session", sessionKey, "chat_id", chatID)
	cancel(errInterrupted)
}

// work runs a session's queued messages one at a time, then retires.
func (g *Gateway) work(s *session) {
	for {
		g.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			delete(g.sessions, s.key)
			for _, theirs := range s.aliases {
				if g.aliases[theirs] == s.key {
					delete(g.aliases, theirs)
				}
			}
			g.mu.Unlock()
			return
		}
		q := s.queue[0]
		s.queue = s.queue[1:]
		g.mu.Unlock()
		g.turn(s, q.in, q.rec)
		g.mu.Lock()
		g.pending--
		g.mu.Unlock()
		select {
		case g.changed <- struct{}{}:
		default:
		}
	}
}

// slot returns the concurrency semaphore of a profile.
func (g *Gateway) slot(profile string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.slots[profile]
	if c == nil {
		c = make(chan struct{}, g.opts.MaxPerProfile)
		g.slots[profile] = c
	}
	return c
}

package relay

import "sync/atomic"

// GatewayStats is a gateway's traffic since it started and its load now,
// for metrics.
type GatewayStats struct {
	// InboundAccepted counts the messages queued for a profile;
	// InboundDropped those routed to no served profile (acknowledged, not
	// answered); InboundBusy those refused because their session's queue
	// was full.
	InboundAccepted, InboundDropped, InboundBusy uint64
	// OutboundSent counts the send actions the connector accepted;
	// OutboundFailed those not handed off or refused.
	OutboundSent, OutboundFailed uint64
	// AcksSent counts the inbound_acks written; AcksFailed those that
	// could not be.
	AcksSent, AcksFailed uint64
	// Sessions is the number of conversations with a queued or running
	// turn, Queued the messages waiting in them, InFlight the accepted
	// messages whose turn has not finished.
	Sessions, Queued, InFlight int
}

// gatewayCounts are the counters behind GatewayStats.
type gatewayCounts struct {
	accepted, dropped, busy atomic.Uint64
	sentOK, sentFailed      atomic.Uint64
	ackOK, ackFailed        atomic.Uint64
	workers                 atomic.Uint64 // turn workers started
}

func (c *gatewayCounts) sent(ok bool) {
	if ok {
		c.sentOK.Add(1)
	} else {
		c.sentFailed.Add(1)
	}
}

func (c *gatewayCounts) acked(ok bool) {
	if ok {
		c.ackOK.Add(1)
	} else {
		c.ackFailed.Add(1)
	}
}

// Stats returns the gateway's counters and current load.
func (g *Gateway) Stats() GatewayStats {
	st := GatewayStats{
		InboundAccepted: g.counts.accepted.Load(), InboundDropped: g.counts.dropped.Load(), InboundBusy: g.counts.busy.Load(),
		OutboundSent: g.counts.sentOK.Load(), OutboundFailed: g.counts.sentFailed.Load(),
		AcksSent: g.counts.ackOK.Load(), AcksFailed: g.counts.ackFailed.Load(),
	}
	g.mu.Lock()
	st.Sessions, st.InFlight = len(g.sessions), g.pending
	for _, s := range g.sessions {
		st.Queued += len(s.queue)
	}
	g.mu.Unlock()
	return st
}

package relay

// This file runs the gateway and drains it on shutdown: going_idle, the
// turns in flight, then the connection.

import (
	"context"
	"time"
)

// Run serves until ctx is done, then drains: it sends going_idle and waits
// for the ack (at most IdleAckTimeout), lets the turns in flight finish and
// hand off their replies (at most DrainTimeout), interrupts what remains,
// and closes the connection. It returns nil after a drain, or the client's
// error when the relay stopped on its own (a revocation: see [ErrRevoked]).
func (g *Gateway) Run(ctx context.Context) error {
	base := context.WithoutCancel(ctx)
	g.turns, g.cancelTurns = context.WithCancelCause(base)
	defer g.cancelTurns(errShutdown)
	defer g.stopOnce.Do(func() { close(g.stopped) }) // waiting workers exit
	clientCtx, stopClient := context.WithCancel(base)
	defer stopClient()
	done := make(chan error, 1)
	go func() { done <- g.client.Run(clientCtx) }()
	g.logRouting()
	flushCtx, stopFlusher := context.WithCancel(base)
	flushed := make(chan struct{})
	go g.flusher(flushCtx, flushed)
	defer func() {
		stopFlusher()
		<-flushed
		g.reportHeld()
	}()

	select {
	case err := <-done:
		// The relay stopped by itself: nothing more can be answered.
		g.cancelTurns(errShutdown)
		g.waitTurns(g.opts.DrainTimeout)
		if err != nil {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	g.log.Info("relay: draining", "turns", g.inFlight())
	idle, cancel := context.WithTimeout(base, g.opts.IdleAckTimeout)
	if err := g.client.goIdle(idle); err != nil {
		g.log.Warn("relay: no going_idle_ack; draining anyway", "error", err)
	}
	cancel()
	if !g.waitTurns(g.opts.DrainTimeout) {
		g.log.Warn("relay: turns still running after the drain bound; interrupting them", "turns", g.inFlight(), "bound", g.opts.DrainTimeout)
		g.cancelTurns(errShutdown)
		g.waitTurns(g.opts.SendTimeout)
	}
	stopFlusher()
	<-flushed
	if g.client.Connected() {
		// What a turn held in a last reconnect window, or what the
		// flusher had not sent yet; bounded like one reply.
		fctx, cancel := context.WithTimeout(base, g.opts.SendTimeout)
		g.flushHeld(fctx)
		cancel()
	}
	stopClient()
	<-done
	g.log.Info("relay: closed")
	return nil
}

// inFlight is the number of accepted messages not yet answered.
func (g *Gateway) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pending
}

// waitTurns waits until no message is pending, at most d; it reports
// whether none is.
func (g *Gateway) waitTurns(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if g.inFlight() == 0 {
			return true
		}
		select {
		case <-g.changed:
		case <-timer.C:
			return g.inFlight() == 0
		}
	}
}

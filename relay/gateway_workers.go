// The goroutines that run turns: a session's queue runs on a worker, and a
// worker that runs out of work waits a while for another session's queue
// instead of exiting. A turn calls deep into the runtime (a handler, the
// tool it calls through a host function, wazero underneath), so a fresh
// goroutine grows its stack two or three times, copying it each time, on
// every message; a reused one has grown it already.

package relay

import (
	"time"
)

const (
	// defaultWorkerIdle is how long a worker with nothing to run waits for
	// a session before it exits (GatewayOptions.WorkerIdle).
	defaultWorkerIdle = 5 * time.Second
	// maxParkedWorkers bounds the workers waiting at once: beyond it, a
	// worker with nothing to run exits at once.
	maxParkedWorkers = 256
)

// startWork runs s's queue on a waiting worker if there is one, else on a
// new one.
func (g *Gateway) startWork(s *session) {
	select {
	case g.handoff <- s:
	default:
		g.counts.workers.Add(1)
		go g.worker(s)
	}
}

// worker runs s's queue, then the queues handed to it while it waits,
// until none comes for GatewayOptions.WorkerIdle, too many workers wait
// already, or Run has returned.
func (g *Gateway) worker(s *session) {
	var idle *time.Timer
	for {
		g.work(s)
		if g.parked.Add(1) > maxParkedWorkers {
			g.parked.Add(-1)
			return
		}
		if idle == nil {
			idle = time.NewTimer(g.opts.WorkerIdle)
		} else {
			idle.Reset(g.opts.WorkerIdle)
		}
		select {
		case s = <-g.handoff:
			g.parked.Add(-1)
		case <-idle.C:
			g.parked.Add(-1)
			return
		case <-g.stopped:
			g.parked.Add(-1)
			idle.Stop()
			return
		}
	}
}

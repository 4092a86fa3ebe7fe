// One connection of the Client (wsConn) and the state tied to it: failing
// it on the gateway's initiative, draining pending results before a clean
// close, and tearing it down so that nothing waiting on it hangs.

package relay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsConn is one connection and the state tied to it.
type wsConn struct {
	c          *Client
	ws         *websocket.Conn
	freshRetry bool
	ctx        context.Context // cancelled at teardown
	cancel     context.CancelFunc
	writeSem   chan struct{} // one writer at a time
	outMu      sync.Mutex
	outq       []*queuedFrame // frames waiting for a writer (client_coalesce.go)
	outBuf     []byte         // a coalesced message, under writeSem
	handshaken chan struct{}  // closed on the first valid descriptor
	drained    chan struct{}  // signalled when pending becomes empty

	mu        sync.Mutex
	pending   map[string]chan sendResult
	idle      *idleWait
	closed    bool // torn down: no more registrations
	failErr   error
	descCount int
	firstDesc time.Time
}

func (cn *wsConn) failed() bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.failErr != nil
}

// fail closes the connection on our initiative with err as the outcome.
func (cn *wsConn) fail(err error, code websocket.StatusCode, reason string) {
	cn.mu.Lock()
	if cn.failErr != nil {
		cn.mu.Unlock()
		return
	}
	cn.failErr = err
	cn.mu.Unlock()
	if len(reason) > 120 {
		reason = reason[:120]
	}
	go func() { _ = cn.ws.Close(code, reason) }()
}

// drain waits until no outbound is pending, at most d or until the read
// loop ends.
func (cn *wsConn) drain(d time.Duration, readDone chan error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		cn.mu.Lock()
		n := len(cn.pending)
		cn.mu.Unlock()
		if n == 0 {
			return
		}
		cn.c.log.Info("relay: waiting for pending outbound results before closing", "pending", n, "bound", d)
		select {
		case <-cn.drained:
		case <-t.C:
			cn.c.log.Warn("relay: closing with outbound results still pending", "pending", n)
			return
		case err := <-readDone:
			readDone <- err // put it back for the caller
			return
		}
	}
}

// teardown detaches the connection: every pending outbound and a waiting
// going_idle settle with ErrDisconnected, never hanging.
func (cn *wsConn) teardown() {
	c := cn.c
	c.mu.Lock()
	if c.cur == cn {
		c.cur = nil
	}
	c.mu.Unlock()
	cn.mu.Lock()
	cn.closed = true
	pending := cn.pending
	cn.pending = map[string]chan sendResult{}
	w := cn.idle
	cn.idle = nil
	cn.mu.Unlock()
	lost := fmt.Errorf("%w; %w", ErrDisconnected, errAmbiguous)
	for _, ch := range pending {
		ch <- sendResult{err: lost}
	}
	if w != nil {
		w.err = ErrDisconnected
		close(w.done)
	}
	cn.cancel()
}

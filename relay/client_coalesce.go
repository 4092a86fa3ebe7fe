// The Client's outbound queue: frames written while another write is on
// the wire wait in a queue, and the next writer sends all of them in one
// WebSocket message (the contract's messages carry newline-delimited
// frames), so a busy gateway makes one write system call, and its
// connector one read, for many replies.

package relay

import (
	"context"
	"fmt"
	"slices"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// keptOutBuf bounds the buffer a connection keeps between coalesced
// writes.
const keptOutBuf = 256 << 10

// queuedFrame is one encoded frame waiting for a writer. done receives the
// outcome of the message that carried it.
type queuedFrame struct {
	line []byte // the frame's line, newline included
	typ  string
	done chan error
}

// enqueue adds a frame to the connection's outbound queue.
func (cn *wsConn) enqueue(line []byte, typ string) *queuedFrame {
	qf := &queuedFrame{line: line, typ: typ, done: make(chan error, 1)}
	cn.outMu.Lock()
	cn.outq = append(cn.outq, qf)
	cn.outMu.Unlock()
	return qf
}

// withdraw takes qf out of the queue if no writer has taken it yet; false
// means a writer has, and qf's outcome will arrive on qf.done.
func (cn *wsConn) withdraw(qf *queuedFrame) bool {
	cn.outMu.Lock()
	defer cn.outMu.Unlock()
	i := slices.Index(cn.outq, qf)
	if i < 0 {
		return false
	}
	cn.outq = slices.Delete(cn.outq, i, i+1)
	return true
}

// flushHeld flushes the queue and gives back the writer slot its caller
// took, whatever happens in the write.
func (cn *wsConn) flushHeld() {
	defer func() { <-cn.writeSem }()
	cn.flush()
}

// flush writes the queued frames, oldest first, in one message of at most
// wire.MaxFrameSize bytes (a frame larger than that goes alone, as it
// would have without the queue), and settles each. The caller holds the
// writer slot. Frames past the bound stay queued for the next writer.
func (cn *wsConn) flush() {
	cn.outMu.Lock()
	n, size := 0, 0
	for n < len(cn.outq) && (n == 0 || size+len(cn.outq[n].line) <= wire.MaxFrameSize) {
		size += len(cn.outq[n].line)
		n++
	}
	batch := slices.Clone(cn.outq[:n])
	cn.outq = slices.Delete(cn.outq, 0, n)
	cn.outMu.Unlock()
	if n == 0 {
		return
	}
	msg := batch[0].line
	if n > 1 {
		cn.outBuf = cn.outBuf[:0] // only the holder of the writer slot uses it
		for _, qf := range batch {
			cn.outBuf = append(cn.outBuf, qf.line...)
		}
		msg = cn.outBuf
	}
	wctx, cancel := context.WithTimeout(cn.ctx, cn.c.opts.OutboundTimeout)
	err := cn.ws.Write(wctx, websocket.MessageText, msg)
	cancel()
	if cap(cn.outBuf) > keptOutBuf {
		cn.outBuf = nil // a burst of large frames: do not keep its buffer
	}
	for _, qf := range batch {
		if err != nil {
			qf.done <- fmt.Errorf("%w: write %s: %v", ErrDisconnected, qf.typ, cn.c.scrub(err))
		} else {
			qf.done <- nil
		}
	}
}

package relaytest

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// errKilled is returned by writes on a killed connection.
var errKilled = errors.New("relaytest: connection killed")

// killDrainBound bounds how long Kill waits for a gateway to notice and
// close; past it the connection is dropped outright.
const killDrainBound = 10 * time.Second

// Kill simulates a connector crash that loses nothing it had received: it
// stops listening (dials are refused until Start), and for every connection
// shuts its sending side down (the gateway reads the end of the stream, with
// no close frame and no result for what it sent last), while it keeps
// reading, recording and acknowledging nothing back of, every frame the
// gateway wrote before it noticed. It returns once every connection ended.
//
// A frame the gateway wrote is therefore always applied: a send whose result
// never came is one the connector applied. That is the connector a chaos
// test can hold the gateway to exactly-once answers against. (A real crash
// may also lose frames unread in its socket buffers: no gateway can tell
// those from applied ones.)
func (c *Connector) Kill() {
	c.shut()
	c.mu.Lock()
	var conns []*Conn
	for cn := range c.conns {
		conns = append(conns, cn)
	}
	c.latest = nil
	c.mu.Unlock()
	for _, cn := range conns {
		cn.kill()
	}
	t := time.NewTimer(killDrainBound)
	defer t.Stop()
	for _, cn := range conns {
		select {
		case <-cn.done:
		case <-t.C:
			_ = cn.ws.CloseNow()
			<-cn.done
		}
	}
}

// kill shuts the sending side of the connection down; nothing is written
// on it any more.
func (cn *Conn) kill() {
	cn.writeMu.Lock()
	defer cn.writeMu.Unlock()
	if cn.killed {
		return
	}
	cn.killed = true
	if hc, ok := cn.raw.(interface{ CloseWrite() error }); ok {
		_ = hc.CloseWrite()
		return
	}
	_ = cn.ws.CloseNow()
}

// hijackWriter keeps the connection websocket.Accept hijacks, so that Kill
// can half-close it.
type hijackWriter struct {
	http.ResponseWriter
	conn net.Conn
}

// Hijack implements http.Hijacker.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("relaytest: response writer cannot be hijacked")
	}
	c, brw, err := hj.Hijack()
	h.conn = c
	return c, brw, err
}

// OutboundFrames is the channel Outbound reads, for a test that selects
// over several observations at once.
func (c *Connector) OutboundFrames() <-chan wire.OutboundFrame { return c.outbound }

// InboundAcks is the channel InboundAck reads, for a test that selects
// over several observations at once.
func (c *Connector) InboundAcks() <-chan string { return c.acks }

// Close closes the connection with code and reason, the way a connector
// that loses nothing closes: it sends the close frame, then keeps reading,
// recording and applying (but no longer answering) every frame the gateway
// wrote before it saw the close, until the gateway's close arrives (at most
// 10 s). It does not wait for that.
func (cn *Conn) Close(code websocket.StatusCode, reason string) {
	cn.closeGracefully(code, reason)
}

// closeGracefully writes the close frame itself, straight to the
// connection, instead of websocket.Conn.Close: that one reads and discards
// the data frames that arrive until the peer's close, so frames the gateway
// wrote before it saw the close would vanish unrecorded. Here the serve loop
// keeps reading them, and ends on the gateway's close.
func (cn *Conn) closeGracefully(code websocket.StatusCode, reason string) {
	cn.writeMu.Lock()
	if cn.killed {
		cn.writeMu.Unlock()
		return
	}
	cn.killed = true
	var err error = errKilled
	if cn.raw != nil {
		_, err = cn.raw.Write(closeFrame(code, reason))
	}
	cn.writeMu.Unlock()
	if err != nil {
		_ = cn.ws.CloseNow()
		return
	}
	go func() {
		t := time.NewTimer(killDrainBound)
		defer t.Stop()
		select {
		case <-cn.done:
		case <-t.C:
			_ = cn.ws.CloseNow()
		}
	}()
}

// closeFrame is a server's (unmasked) close frame.
func closeFrame(code websocket.StatusCode, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
	return append([]byte{0x88, byte(len(payload))}, payload...)
}

// Conn, one gateway connection as the Connector sees it: its hellos, its
// close status, raw and framed writes to the gateway, and reading until
// it ends.

package relaytest

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Conn is one gateway connection as the connector sees it.
type Conn struct {
	c  *Connector
	ws *websocket.Conn
	// GatewayID is the id the bearer token verified for ("" without auth).
	GatewayID string

	raw     net.Conn // the hijacked connection (for Kill)
	writeMu sync.Mutex
	killed  bool // under writeMu: nothing more is written (killed or closing)
	mu      sync.Mutex
	hellos  []wire.HelloFrame
	helloCh chan wire.HelloFrame
	seq     int                  // order of the first hello, for routing
	sent    []wire.OutboundFrame // outbound frames of this connection
	msgs    int                  // WebSocket messages read from the gateway
	done    chan struct{}
	status  websocket.StatusCode
	reason  string
}

// Hellos returns the hellos received on this connection so far.
func (cn *Conn) Hellos() []wire.HelloFrame {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return append([]wire.HelloFrame(nil), cn.hellos...)
}

// WaitHello returns the next hello of this connection.
func (cn *Conn) WaitHello(ctx context.Context) (wire.HelloFrame, error) {
	return recv(ctx, cn.helloCh, "a hello")
}

// Messages returns how many WebSocket messages the gateway has sent on
// this connection so far (one message may carry several frames).
func (cn *Conn) Messages() int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.msgs
}

// Done is closed when the connection has ended.
func (cn *Conn) Done() <-chan struct{} { return cn.done }

// CloseStatus is the close code and reason the gateway sent, once Done
// (code -1 when it sent none).
func (cn *Conn) CloseStatus() (websocket.StatusCode, string) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.status, cn.reason
}

// SendRaw writes one WebSocket text message as is (frames, partial lines,
// garbage).
func (cn *Conn) SendRaw(ctx context.Context, msg []byte) error {
	cn.writeMu.Lock()
	defer cn.writeMu.Unlock()
	if cn.killed {
		return errKilled
	}
	return cn.ws.Write(ctx, websocket.MessageText, msg)
}

// Send writes one frame.
func (cn *Conn) Send(ctx context.Context, f wire.Frame) error {
	b, err := wire.EncodeFrame(f)
	if err != nil {
		return err
	}
	return cn.SendRaw(ctx, b)
}

// Push sends an inbound message (with its buffer id, when set).
func (cn *Conn) Push(ctx context.Context, in relay.Inbound) error {
	ev := in.Event
	return cn.Send(ctx, wire.InboundFrame{BufferID: in.BufferID, Event: wire.Event{
		Text: ev.Text, MessageType: ev.MessageType, MessageID: ev.MessageID,
		ReplyToMessageID: ev.ReplyToMessageID, MediaURLs: ev.MediaURLs, Source: wire.Source(ev.Source),
	}})
}

// PushInterrupt sends interrupt_inbound.
func (cn *Conn) PushInterrupt(ctx context.Context, sessionKey, chatID string) error {
	return cn.Send(ctx, wire.InterruptInboundFrame{SessionKey: sessionKey, ChatID: chatID})
}

// drain reads until the connection ends, recording the gateway's close.
func (cn *Conn) drain() {
	for {
		if _, _, err := cn.ws.Read(context.Background()); err != nil {
			cn.recordClose(err)
			return
		}
	}
}

func (cn *Conn) recordClose(err error) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		cn.mu.Lock()
		cn.status, cn.reason = ce.Code, ce.Reason
		cn.mu.Unlock()
	}
}

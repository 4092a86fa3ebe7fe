// The Connector's side of the relay contract on one connection: the
// upgrade and its bearer check, the descriptor answering each hello, and
// the answers to the gateway's frames.

package relaytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/token"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// DefaultDescriptor is a valid descriptor for platform.
func DefaultDescriptor(platform string) map[string]any {
	return map[string]any{
		"contract_version":         wire.ContractVersion,
		"platform":                 platform,
		"label":                    "Test " + platform,
		"max_message_length":       2000,
		"supports_draft_streaming": false,
		"supports_edit":            true,
		"supports_threads":         true,
		"markdown_dialect":         "commonmark",
		"len_unit":                 wire.LenChars,
		"supported_ops":            []string{"send", "edit", "typing", "react"},
	}
}

func (c *Connector) descriptorFor(platform string) json.RawMessage {
	switch d := c.opts.Descriptor.(type) {
	case nil:
		b, _ := json.Marshal(DefaultDescriptor(platform))
		return b
	case json.RawMessage:
		return d
	case []byte:
		return d
	case string:
		return json.RawMessage(d)
	default:
		b, err := json.Marshal(d)
		if err != nil {
			c.problem(fmt.Errorf("descriptor: %w", err))
		}
		return b
	}
}

func (c *Connector) serveWS(w http.ResponseWriter, r *http.Request) {
	if c.gate.shut.Load() { // a dial accepted just before Stop or Kill
		http.Error(w, "connector stopped", http.StatusServiceUnavailable)
		return
	}
	c.mu.Lock()
	c.dials++
	c.mu.Unlock()
	gatewayID, authReason := c.authenticate(r.Header.Get("Authorization"))
	hw := &hijackWriter{ResponseWriter: w}
	ws, err := websocket.Accept(hw, r, nil)
	if err != nil {
		c.log.Warn("relaytest: accept", "error", err)
		return
	}
	ws.SetReadLimit(wire.MaxFrameSize)
	cn := &Conn{c: c, ws: ws, raw: hw.conn, GatewayID: gatewayID, helloCh: make(chan wire.HelloFrame, chanSize), done: make(chan struct{}), status: -1}
	c.mu.Lock()
	if c.closed || c.gate.shut.Load() { // checked under mu: Stop and Kill snapshot c.conns under it after shutting
		c.mu.Unlock()
		_ = ws.CloseNow()
		return
	}
	c.conns[cn] = true
	var rej *reject
	if authReason == "" && len(c.rejects) > 0 {
		rej = &c.rejects[0]
		c.rejects = c.rejects[1:]
	}
	c.mu.Unlock()
	defer func() {
		_ = ws.CloseNow()
		c.mu.Lock()
		delete(c.conns, cn)
		c.mu.Unlock()
		close(cn.done)
	}()
	select {
	case c.accepted <- cn:
	default:
	}
	if authReason != "" {
		c.log.Info("relaytest: unauthorized", "reason", authReason)
		cn.Close(wire.CloseUnauthorized, authReason)
		cn.drain()
		return
	}
	if rej != nil {
		cn.Close(rej.code, rej.reason)
		cn.drain()
		return
	}
	cn.serve()
}

// authenticate verifies the bearer; it returns the gateway id, or the 4401
// reason when auth is required and fails.
func (c *Connector) authenticate(header string) (string, string) {
	tok, hasBearer := strings.CutPrefix(header, "Bearer ")
	if hasBearer {
		c.mu.Lock()
		c.tokens = append(c.tokens, tok)
		c.mu.Unlock()
	}
	if !hasBearer {
		if c.opts.RequireAuth {
			return "", "unauthorized"
		}
		return "", ""
	}
	id, err := token.Verify(tok, c.opts.Secrets, c.opts.Now())
	switch {
	case err == nil:
		return id, ""
	case !c.opts.RequireAuth:
		return "", ""
	case errors.Is(err, token.ErrExpired):
		return "", "expired"
	default:
		return "", "unauthorized"
	}
}

func (cn *Conn) serve() {
	c := cn.c
	var lines wire.LineBuffer
	ctx := context.Background()
	descs := 0
	for {
		_, data, err := cn.ws.Read(ctx)
		if err != nil {
			cn.recordClose(err)
			return
		}
		cn.mu.Lock()
		cn.msgs++
		cn.mu.Unlock()
		for _, line := range lines.Feed(data) {
			f, err := wire.DecodeFrame(line)
			if err != nil {
				c.log.Warn("relaytest: malformed frame from the gateway", "error", err)
				c.problem(fmt.Errorf("malformed frame from the gateway: %w", err))
				continue
			}
			switch fr := f.(type) {
			case wire.HelloFrame:
				cn.mu.Lock()
				cn.hellos = append(cn.hellos, fr)
				firstHello := len(cn.hellos) == 1
				cn.mu.Unlock()
				cn.helloCh <- fr
				if firstHello {
					c.mu.Lock()
					c.helloSeq++
					cn.setSeq(c.helloSeq)
					c.latest = cn
					c.mu.Unlock()
					select {
					case c.connected <- cn:
					default:
						c.problem(fmt.Errorf("more than %d connections not waited for", chanSize))
					}
				}
				if c.opts.NoDescriptor {
					continue
				}
				// Whether this connection is closed after its handshake is
				// decided before the descriptor goes out: a test that saw
				// the handshake cannot affect it any more.
				var rej *reject
				if descs == 0 {
					c.mu.Lock()
					if len(c.rejectsHS) > 0 {
						rej = &c.rejectsHS[0]
						c.rejectsHS = c.rejectsHS[1:]
					}
					c.mu.Unlock()
				}
				if err := cn.Send(ctx, wire.DescriptorFrame{Descriptor: c.descriptorFor(fr.Platform)}); err != nil {
					continue
				}
				descs++
				if rej != nil {
					go cn.Close(rej.code, rej.reason)
				}
			case wire.OutboundFrame:
				// The answer is decided before the frame is visible to the
				// test: a test that saw this frame and then calls
				// SetAnswer changes the answer to the next one, not this.
				c.mu.Lock()
				mode := c.answer
				c.msgCounter++
				n := c.msgCounter
				c.mu.Unlock()
				cn.recordOutbound(fr)
				c.outbound <- fr
				var res map[string]any
				switch mode {
				case AnswerNone:
					continue
				case AnswerFail:
					res = map[string]any{"success": false, "error": "send failed"}
				case AnswerEgressDeclined:
					res = map[string]any{"success": false, "code": "egress_declined", "error": "egress declined: no scope for this chat"}
				default:
					res = map[string]any{"success": true, "message_id": fmt.Sprintf("m-%d", n)}
				}
				// The type first, as connectors write it (and as the
				// gateway's one-pass decoding expects).
				b, _ := json.Marshal(struct {
					Type      string         `json:"type"`
					RequestID string         `json:"requestId"`
					Result    map[string]any `json:"result"`
				}{wire.TypeOutboundResult, fr.RequestID, res})
				_ = cn.SendRaw(ctx, append(b, '\n'))
			case wire.InboundAckFrame:
				c.acks <- fr.BufferID
			case wire.GoingIdleFrame:
				c.idles <- struct{}{}
				if !c.opts.NoIdleAck {
					_ = cn.Send(ctx, wire.GoingIdleAckFrame{})
				}
			case wire.InterruptFrame:
				c.interrupt <- fr
			default:
				c.log.Info("relaytest: frame ignored", "type", f.FrameType())
			}
		}
	}
}

// The Client's read side: the read loop that splits WebSocket messages
// into frame lines, the dispatch of each frame, and the descriptor
// handling that completes the handshake.

package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// readLoop reads messages until the connection fails, splitting them into
// frame lines and dispatching each. A message over MaxFrameSize is skipped
// whole (see readMessage); the connection stays up.
func (cn *wsConn) readLoop(runCtx context.Context) error {
	var lines wire.LineBuffer
	var buf bytes.Buffer
	overflowed := 0
	for {
		data, skipped, err := cn.readMessage(&buf)
		if err != nil {
			return err
		}
		if skipped > 0 {
			cn.c.log.Warn("relay: WebSocket message over 1 MiB skipped whole; the connection stays up", "bytes", skipped, "limit", wire.MaxFrameSize)
			lines.SkipMessage(data)
			overflowed = lines.Overflowed()
			continue
		}
		for _, line := range lines.Feed(data) {
			if cn.failed() {
				break
			}
			cn.dispatch(runCtx, line)
		}
		if n := lines.Overflowed(); n > overflowed {
			cn.c.log.Warn("relay: frame longer than 1 MiB skipped", "count", n-overflowed)
			overflowed = n
		}
		if buf.Cap() > 64<<10 {
			buf = bytes.Buffer{} // do not keep a large buffer per idle connection
		}
	}
}

// dispatch handles one frame line.
func (cn *wsConn) dispatch(runCtx context.Context, line []byte) {
	c := cn.c
	f, err := wire.DecodeFrame(line)
	if err != nil {
		c.log.Warn("relay: malformed frame skipped", "error", err)
		return
	}
	switch fr := f.(type) {
	case wire.DescriptorFrame:
		cn.onDescriptor(fr)
	case wire.InboundFrame:
		ev := eventFrom(fr.Event)
		c.chats.remember(ev.Source)
		c.handler.Inbound(runCtx, Inbound{Event: ev, BufferID: fr.BufferID})
	case wire.OutboundResultFrame:
		if !cn.settle(fr.RequestID, sendResult{res: fr.Result}) {
			c.log.Debug("relay: outbound_result for no pending request", "request_id", fr.RequestID)
		}
	case wire.InterruptInboundFrame:
		c.handler.InterruptInbound(fr.SessionKey, fr.ChatID)
	case wire.GoingIdleAckFrame:
		cn.mu.Lock()
		w := cn.idle
		cn.idle = nil
		cn.mu.Unlock()
		if w != nil {
			close(w.done)
		} else {
			c.log.Debug("relay: going_idle_ack without a going_idle")
		}
	case wire.PassthroughForwardFrame:
		// wasmgw serves no passthrough plane. Acknowledging a buffered one
		// is a decision (as for an unroutable inbound): it would otherwise
		// be redelivered on every connection.
		c.log.Info("relay: passthrough_forward ignored (not supported)", "buffer_id", fr.BufferID)
		if fr.BufferID != "" {
			go func() { _ = cn.writeFrame(cn.ctx, wire.InboundAckFrame{BufferID: fr.BufferID}) }()
		}
	case wire.UnknownFrame:
		c.log.Debug("relay: frame of unknown type ignored", "type", fr.Type)
	default:
		c.log.Debug("relay: gateway-bound frame type ignored", "type", f.FrameType())
	}
}

// onDescriptor validates a descriptor; the first valid one of the
// connection completes the handshake.
func (cn *wsConn) onDescriptor(fr wire.DescriptorFrame) {
	c := cn.c
	d, err := wire.ParseDescriptor(fr.Descriptor)
	if err != nil {
		field := "(descriptor)"
		var de *wire.DescriptorError
		if errors.As(err, &de) {
			field = de.Field
		}
		cn.mu.Lock()
		handshaken := cn.descCount > 0
		cn.mu.Unlock()
		if handshaken {
			// After the handshake a bad descriptor is one bad line: logged
			// and skipped, never fatal; the previous descriptor stays.
			c.log.Warn("relay: invalid capability descriptor after the handshake skipped; keeping the previous one", "field", field, "error", err)
			return
		}
		c.log.Error("relay: invalid capability descriptor from the connector; closing the connection", "field", field, "error", err)
		cn.fail(fmt.Errorf("relay: invalid capability descriptor: %w", err), websocket.StatusPolicyViolation, "invalid descriptor: field "+field)
		return
	}
	if d.ContractVersion != wire.ContractVersion {
		c.log.Warn("relay: descriptor of another contract version", "contract_version", d.ContractVersion, "supported", wire.ContractVersion)
	}
	now := c.opts.Now()
	cn.mu.Lock()
	cn.descCount++
	first := cn.descCount == 1
	if first {
		cn.firstDesc = now
	}
	cn.mu.Unlock()
	c.mu.Lock()
	if _, known := c.byPlatform[d.Platform]; !known && len(c.byPlatform) >= maxDescriptorPlatforms && !c.fronts(d.Platform) {
		c.mu.Unlock()
		c.log.Warn("relay: descriptor for another platform past the bound of platforms kept; ignored",
			"platform", d.Platform, "bound", maxDescriptorPlatforms)
		return
	}
	c.byPlatform[d.Platform] = d
	if first || d.Platform == c.cfg.Identities[0].Platform {
		c.primary, c.hasPrimary = d, true
	}
	c.everHandshaken = true
	c.mu.Unlock()
	c.log.Debug("relay: descriptor", "platform", d.Platform, "label", d.Label, "max_message_length", d.MaxMessageLength, "len_unit", d.LenUnit)
	if first {
		close(cn.handshaken)
		c.log.Info("relay: handshake complete", "platform", d.Platform, "contract_version", d.ContractVersion)
		c.state(StateHandshaken)
	}
}

// maxDescriptorPlatforms bounds the platforms whose descriptors a client
// keeps besides those of its own identities: a connector that sent one for
// every name it could make up would otherwise grow the client without
// bound.
const maxDescriptorPlatforms = 64

// fronts reports whether one of the client's identities is on platform.
func (c *Client) fronts(platform string) bool {
	for _, id := range c.cfg.Identities {
		if id.Platform == platform {
			return true
		}
	}
	return false
}

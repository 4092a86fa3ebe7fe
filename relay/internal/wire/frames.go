// Package wire is the relay connector contract's wire protocol (contract
// v1, docs/relay.md "Frames"): the newline-delimited JSON frames a gateway
// and a connector exchange ([EncodeFrame], [DecodeFrame], [LineBuffer]),
// the inbound [Event] with its [Source], outbound [Action]s and their
// [OutboundResult], the capability [Descriptor] and text splitting
// ([SplitText]), and the close codes of the WebSocket.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Frame types. Gateway → connector: hello, outbound, interrupt, going_idle,
// inbound_ack. Connector → gateway: descriptor, inbound, outbound_result,
// interrupt_inbound, going_idle_ack, passthrough_forward.
const (
	TypeHello              = "hello"
	TypeOutbound           = "outbound"
	TypeInterrupt          = "interrupt"
	TypeGoingIdle          = "going_idle"
	TypeInboundAck         = "inbound_ack"
	TypeDescriptor         = "descriptor"
	TypeInbound            = "inbound"
	TypeOutboundResult     = "outbound_result"
	TypeInterruptInbound   = "interrupt_inbound"
	TypeGoingIdleAck       = "going_idle_ack"
	TypePassthroughForward = "passthrough_forward"
)

// MaxFrameSize is the largest message the client reads (1 MiB), and so the
// largest frame.
const MaxFrameSize = 1 << 20

// Frame is one decoded frame; FrameType is its wire "type".
type Frame interface {
	FrameType() string
}

// HelloFrame announces one fronted identity, right after the dial.
// Platform and BotID are the contract's; the other fields are additive
// enrichment (as the reference adds command_manifest to a Discord hello), left
// out when empty, and a connector that does not know them ignores them:
// see [HelloInfo].
type HelloFrame struct {
	Platform string `json:"platform"`
	BotID    string `json:"botId"`
	HelloInfo
}

// OutboundFrame asks the connector to apply Action; RequestID correlates
// the [OutboundResultFrame]. Platform and BotID name the chat's underlying
// platform and the bot hello'd for it, when known.
type OutboundFrame struct {
	RequestID string `json:"requestId"`
	Action    Action `json:"action"`
	Platform  string `json:"platform,omitempty"`
	BotID     string `json:"botId,omitempty"`
}

// InterruptFrame is a /stop from the gateway side.
type InterruptFrame struct {
	SessionKey string `json:"session_key"`
	Reason     string `json:"reason"`
}

// GoingIdleFrame asks the connector to buffer this gateway's traffic.
type GoingIdleFrame struct{}

// InboundAckFrame acknowledges a buffered inbound that was handed off.
type InboundAckFrame struct {
	BufferID string `json:"bufferId"`
}

// DescriptorFrame carries one capability descriptor, raw; see
// [ParseDescriptor].
type DescriptorFrame struct {
	Descriptor json.RawMessage `json:"descriptor"`
}

// InboundFrame delivers an event; BufferID is set for a delivery replayed
// from the connector's buffer, which wants an [InboundAckFrame].
type InboundFrame struct {
	Event    Event  `json:"event"`
	BufferID string `json:"bufferId,omitempty"`
}

// OutboundResultFrame answers one [OutboundFrame].
type OutboundResultFrame struct {
	RequestID string         `json:"requestId"`
	Result    OutboundResult `json:"result"`
}

// OutboundResult is the connector's answer to an outbound action.
type OutboundResult struct {
	Success   bool   `json:"success"`
	MessageID string `json:"message_id,omitempty"`
	Error     string `json:"error,omitempty"`
	// Code classifies a failure; "egress_declined" is a definite refusal.
	Code string `json:"code,omitempty"`
	// Raw is the whole result object as received (for ops that answer
	// more, such as get_chat_info); never marshalled.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads a result, tolerating a numeric message_id and keeping
// the raw object.
func (r *OutboundResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Success   nullBool `json:"success"`
		MessageID idString `json:"message_id"`
		Error     any      `json:"error"`
		Code      *string  `json:"code"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("outbound result: %w", err)
	}
	*r = OutboundResult{Success: bool(w.Success), MessageID: string(w.MessageID), Code: deref(w.Code), Raw: append(json.RawMessage(nil), b...)}
	switch e := w.Error.(type) {
	case nil:
	case string:
		r.Error = e
	default:
		eb, _ := json.Marshal(e)
		r.Error = string(eb)
	}
	return nil
}

// InterruptInboundFrame cancels the turn of one session.
type InterruptInboundFrame struct {
	SessionKey string `json:"session_key"`
	ChatID     string `json:"chat_id"`
}

// UnmarshalJSON tolerates a numeric chat id.
func (f *InterruptInboundFrame) UnmarshalJSON(b []byte) error {
	var w struct {
		SessionKey *string  `json:"session_key"`
		ChatID     idString `json:"chat_id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = InterruptInboundFrame{SessionKey: deref(w.SessionKey), ChatID: string(w.ChatID)}
	return nil
}

// GoingIdleAckFrame confirms the connector now buffers.
type GoingIdleAckFrame struct{}

// PassthroughForwardFrame is a forwarded passthrough-plane request; wasmgw
// logs and ignores it.
type PassthroughForwardFrame struct {
	Forward  json.RawMessage `json:"forward,omitempty"`
	BufferID string          `json:"bufferId,omitempty"`
}

// UnknownFrame is a frame of a type this package does not know; it is
// ignored.
type UnknownFrame struct {
	Type string `json:"type"`
}

// FrameType returns the wire type of a HelloFrame.
func (HelloFrame) FrameType() string { return TypeHello }

// FrameType returns the wire type of an OutboundFrame.
func (OutboundFrame) FrameType() string { return TypeOutbound }

// FrameType returns the wire type of an InterruptFrame.
func (InterruptFrame) FrameType() string { return TypeInterrupt }

// FrameType returns the wire type of a GoingIdleFrame.
func (GoingIdleFrame) FrameType() string { return TypeGoingIdle }

// FrameType returns the wire type of an InboundAckFrame.
func (InboundAckFrame) FrameType() string { return TypeInboundAck }

// FrameType returns the wire type of a DescriptorFrame.
func (DescriptorFrame) FrameType() string { return TypeDescriptor }

// FrameType returns the wire type of an InboundFrame.
func (InboundFrame) FrameType() string { return TypeInbound }

// FrameType returns the wire type of an OutboundResultFrame.
func (OutboundResultFrame) FrameType() string { return TypeOutboundResult }

// FrameType returns the wire type of an InterruptInboundFrame.
func (InterruptInboundFrame) FrameType() string { return TypeInterruptInbound }

// FrameType returns the wire type of a GoingIdleAckFrame.
func (GoingIdleAckFrame) FrameType() string { return TypeGoingIdleAck }

// FrameType returns the wire type of a PassthroughForwardFrame.
func (PassthroughForwardFrame) FrameType() string { return TypePassthroughForward }

// FrameType returns the unknown type as received.
func (f UnknownFrame) FrameType() string { return f.Type }

// EncodeFrame returns the wire form of f: one JSON object with its "type"
// first, then a '\n'. HTML characters are not escaped.
func EncodeFrame(f Frame) ([]byte, error) {
	if f == nil {
		return nil, errors.New("relay: encode frame: nil frame")
	}
	body, err := marshalPlain(f)
	if err != nil {
		return nil, fmt.Errorf("relay: encode %s frame: %w", f.FrameType(), err)
	}
	typ, _ := marshalPlain(f.FrameType())
	var b bytes.Buffer
	b.Grow(len(body) + len(typ) + 12)
	b.WriteString(`{"type":`)
	b.Write(typ)
	if body = bytes.TrimSpace(body); len(body) > 2 && body[0] == '{' {
		b.WriteByte(',')
		b.Write(body[1:])
	} else {
		b.WriteByte('}')
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// marshalPlain is json.Marshal without HTML escaping and without the
// trailing newline.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// FrameError is a line that is not a valid frame. It never carries the
// line's content (a user's message may be in it).
type FrameError struct {
	Type string // the frame type, when it could be read
	Len  int    // the line's length in bytes
	Err  error
}

// Error describes the bad line by type and length, never by content.
func (e *FrameError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("relay: malformed %s frame (%d bytes): %v", e.Type, e.Len, e.Err)
	}
	return fmt.Sprintf("relay: malformed frame (%d bytes): %v", e.Len, e.Err)
}

// Unwrap returns the decoding error.
func (e *FrameError) Unwrap() error { return e.Err }

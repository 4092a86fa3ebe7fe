package wire

// Frame decoding. A frame line goes through encoding/json once to read its
// "type" and again into its typed frame, and an inbound event and its
// source each re-read their bytes in UnmarshalJSON: that is the exact path,
// and every decoding rule is defined by it. The two frames that carry
// traffic, inbound and outbound_result, have a one-pass path that yields
// the same frame: one json.Unmarshal into plain structs, taken only when
// the result cannot differ from the exact path's (see decodeInbound). The
// frame a connector reads for every reply, outbound, has one too.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeFrame decodes one line (without its '\n') into its typed frame.
// A line that is not a JSON object with a string "type" is a *FrameError;
// an unknown type is an [UnknownFrame], not an error.
//
// An inbound line (whatever the place of its "type"), and an
// outbound_result or outbound line that starts with its "type", are
// decoded in one pass (decodeInbound, decodeResult, decodeOutbound); any
// other line, and one the one-pass path
// declines, takes the exact path, which reads the type first and then the
// typed frame.
func DecodeFrame(line []byte) (Frame, error) {
	switch leadingType(line) {
	case TypeInbound, "":
		if f, ok := decodeInbound(line); ok {
			return f, nil
		}
	case TypeOutboundResult:
		if f, ok := decodeResult(line); ok {
			return f, nil
		}
	case TypeOutbound:
		if f, ok := decodeOutbound(line); ok {
			return f, nil
		}
	}
	return decodeExact(line)
}

// decodeExact decodes line by its "type", then into that frame; every
// level with an UnmarshalJSON re-reads its own bytes.
func decodeExact(line []byte) (Frame, error) {
	var head struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, &FrameError{Len: len(line), Err: jsonErr(err)}
	}
	if head.Type == nil {
		return nil, &FrameError{Len: len(line), Err: errors.New(`no "type"`)}
	}
	var f Frame
	switch t := *head.Type; t {
	case TypeHello:
		f = &HelloFrame{}
	case TypeOutbound:
		f = &OutboundFrame{}
	case TypeInterrupt:
		f = &InterruptFrame{}
	case TypeGoingIdle:
		return GoingIdleFrame{}, nil
	case TypeInboundAck:
		f = &InboundAckFrame{}
	case TypeDescriptor:
		f = &DescriptorFrame{}
	case TypeInbound:
		f = &InboundFrame{}
	case TypeOutboundResult:
		f = &OutboundResultFrame{}
	case TypeInterruptInbound:
		f = &InterruptInboundFrame{}
	case TypeGoingIdleAck:
		return GoingIdleAckFrame{}, nil
	case TypePassthroughForward:
		f = &PassthroughForwardFrame{}
	default:
		return UnknownFrame{Type: t}, nil
	}
	if err := json.Unmarshal(line, f); err != nil {
		return nil, &FrameError{Type: *head.Type, Len: len(line), Err: jsonErr(err)}
	}
	return deref2(f), nil
}

// deref2 returns the value behind a decoded frame pointer, so callers
// switch on value types.
func deref2(f Frame) Frame {
	switch v := f.(type) {
	case *HelloFrame:
		return *v
	case *OutboundFrame:
		return *v
	case *InterruptFrame:
		return *v
	case *InboundAckFrame:
		return *v
	case *DescriptorFrame:
		return *v
	case *InboundFrame:
		return *v
	case *OutboundResultFrame:
		return *v
	case *InterruptInboundFrame:
		return *v
	case *PassthroughForwardFrame:
		return *v
	}
	return f
}

// jsonErr strips an UnmarshalTypeError of the value it quotes.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at offset %d", se.Offset)
	}
	return err
}

// leadingType reads the type of a line that starts exactly with
// {"type":"<name>" (as connectors and gateways write it): inbound,
// outbound_result or outbound, or
// "?" for any other name; "" when the line starts otherwise. The one-pass
// paths confirm the type with the "type" they decode.
func leadingType(line []byte) string {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"`))
	switch {
	case !ok:
		return ""
	case bytes.HasPrefix(rest, []byte(TypeInbound+`"`)):
		return TypeInbound
	case bytes.HasPrefix(rest, []byte(TypeOutboundResult+`"`)):
		return TypeOutboundResult
	case bytes.HasPrefix(rest, []byte(TypeOutbound+`"`)):
		return TypeOutbound
	}
	return "?"
}

// decodeInbound decodes an inbound frame in one json.Unmarshal into plain
// structs. It declines (ok false) a line the exact path could read
// differently: one that does not decode, whose decoded "type" is not
// inbound or that has no event object, and one where a repeated "event" or
// "source" key could be (see singleKeys), since there the exact path's
// UnmarshalJSON replaces the earlier value where a plain struct would
// merge into it.
func decodeInbound(line []byte) (Frame, bool) {
	if !singleKeys(line) {
		return nil, false
	}
	var w struct {
		Type  *string `json:"type"`
		Event *struct {
			eventFields
			Source *sourceFields `json:"source"`
		} `json:"event"`
		BufferID string `json:"bufferId"`
	}
	if json.Unmarshal(line, &w) != nil || w.Type == nil || *w.Type != TypeInbound || w.Event == nil {
		return nil, false
	}
	var src *Source
	if w.Event.Source != nil {
		s := w.Event.Source.source()
		src = &s
	}
	return InboundFrame{Event: w.Event.event(src), BufferID: w.BufferID}, true
}

// decodeResult decodes an outbound_result frame in one json.Unmarshal,
// declining (ok false) a line that does not decode or whose decoded "type"
// is not outbound_result.
func decodeResult(line []byte) (Frame, bool) {
	var w struct {
		Type      *string        `json:"type"`
		RequestID string         `json:"requestId"`
		Result    OutboundResult `json:"result"`
	}
	if json.Unmarshal(line, &w) != nil || w.Type == nil || *w.Type != TypeOutboundResult {
		return nil, false
	}
	return OutboundResultFrame{RequestID: w.RequestID, Result: w.Result}, true
}

// decodeOutbound decodes an outbound frame (what a connector reads for
// every reply) in one json.Unmarshal, declining (ok false) a line that
// does not decode or whose decoded "type" is not outbound. Its action
// still reads its own bytes (Action.UnmarshalJSON keeps unknown keys), as
// on the exact path.
func decodeOutbound(line []byte) (Frame, bool) {
	var w struct {
		Type *string `json:"type"`
		OutboundFrame
	}
	if json.Unmarshal(line, &w) != nil || w.Type == nil || *w.Type != TypeOutbound {
		return nil, false
	}
	return w.OutboundFrame, true
}

// singleKeys reports whether line has exactly one string token "event" and
// at most one "source", in any ASCII case, and nothing that encoding/json
// could match to those keys without being counted: a \u escape of an ASCII
// letter (\u0040 to \u007f) or of ſ (U+017F, which folds to s), or a raw ſ.
// A string value that merely ends in one of the words is counted too; that
// only sends the line to the exact path.
func singleKeys(line []byte) bool {
	if bytes.Contains(line, []byte("ſ")) {
		return false
	}
	for rest := line; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 {
			break
		}
		esc := rest[i+2:]
		if len(esc) >= 3 && esc[0] == '0' && (esc[1] == '0' && esc[2] >= '4' && esc[2] <= '7' ||
			esc[1] == '1' && esc[2] == '7') {
			return false
		}
		rest = rest[i+2:]
	}
	events, sources := 0, 0
	for rest := line; ; {
		i := bytes.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		switch {
		case wordAt(rest, "event"):
			events++
		case wordAt(rest, "source"):
			sources++
		}
	}
	return events == 1 && sources <= 1
}

// wordAt reports whether b starts with word (lower case ASCII letters) in
// any ASCII case, followed by '"'.
func wordAt(b []byte, word string) bool {
	if len(b) <= len(word) || b[len(word)] != '"' {
		return false
	}
	for i := 0; i < len(word); i++ {
		if b[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}

package wire

// The decoder as it was before the one-pass decoding of inbound frames,
// kept verbatim (types renamed) as the reference that
// FuzzDecodeFrameMatchesReference and BenchmarkDecodeFrameReference hold
// DecodeFrame to: every event and source level re-unmarshals its bytes.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// refEvent and refSource are Event and Source with the reference's
// nested UnmarshalJSON.
type (
	refEvent struct {
		Text             string
		MessageType      string
		MessageID        string
		ReplyToMessageID string
		MediaURLs        []string
		Source           Source
	}
	refSource Source
)

// refInboundFrame is InboundFrame over refEvent.
type refInboundFrame struct {
	Event    refEvent `json:"event"`
	BufferID string   `json:"bufferId,omitempty"`
}

// FrameType returns the wire type.
func (refInboundFrame) FrameType() string { return TypeInbound }

// refOutboundResult is OutboundResult with the reference's UnmarshalJSON.
type refOutboundResult OutboundResult

// refOutboundResultFrame is OutboundResultFrame over refOutboundResult.
type refOutboundResultFrame struct {
	RequestID string            `json:"requestId"`
	Result    refOutboundResult `json:"result"`
}

// FrameType returns the wire type.
func (refOutboundResultFrame) FrameType() string { return TypeOutboundResult }

// refKnownMessageTypes are the reference's MessageType values.
var refKnownMessageTypes = map[string]bool{
	"text": true, "command": true, "photo": true, "video": true, "audio": true, "voice": true,
	"document": true, "sticker": true, "location": true,
}

// refDecodeFrame is the reference DecodeFrame: it decodes one line (without its '\n') into its typed frame.
// A line that is not a JSON object with a string "type" is a *FrameError;
// an unknown type is an [UnknownFrame], not an error.
func refDecodeFrame(line []byte) (Frame, error) {
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
		f = &refInboundFrame{}
	case TypeOutboundResult:
		f = &refOutboundResultFrame{}
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
	return refDeref(f), nil
}

// refDeref is the reference deref2.
func refDeref(f Frame) Frame {
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
	case *refInboundFrame:
		return InboundFrame{Event: Event{Text: v.Event.Text, MessageType: v.Event.MessageType, MessageID: v.Event.MessageID,
			ReplyToMessageID: v.Event.ReplyToMessageID, MediaURLs: v.Event.MediaURLs, Source: v.Event.Source}, BufferID: v.BufferID}
	case *refOutboundResultFrame:
		return OutboundResultFrame{RequestID: v.RequestID, Result: OutboundResult(v.Result)}
	case *InterruptInboundFrame:
		return *v
	case *PassthroughForwardFrame:
		return *v
	}
	return f
}

// UnmarshalJSON is the reference's Source.UnmarshalJSON.
func (s *refSource) UnmarshalJSON(b []byte) error {
	var w struct {
		Platform            *string     `json:"platform"`
		ChatID              refIDString `json:"chat_id"`
		ChatType            *string     `json:"chat_type"`
		ChatName            *string     `json:"chat_name"`
		UserID              refIDString `json:"user_id"`
		UserIDAlt           refIDString `json:"user_id_alt"`
		UserDisplayName     *string     `json:"user_display_name"`
		UserName            *string     `json:"user_name"`
		UserHandle          *string     `json:"user_handle"`
		ThreadID            refIDString `json:"thread_id"`
		ChatTopic           *string     `json:"chat_topic"`
		ChatIDAlt           refIDString `json:"chat_id_alt"`
		ScopeID             refIDString `json:"scope_id"`
		GuildID             refIDString `json:"guild_id"`
		ParentChatID        refIDString `json:"parent_chat_id"`
		MessageID           refIDString `json:"message_id"`
		ProspectiveThreadID refIDString `json:"prospective_thread_id"`
		IsBot               refNullBool `json:"is_bot"`
		MessageIsEdit       refNullBool `json:"message_is_edit"`
		Profile             *string     `json:"profile"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	*s = refSource{
		Platform:            deref(w.Platform),
		ChatID:              string(w.ChatID),
		ChatType:            deref(w.ChatType),
		ChatName:            deref(w.ChatName),
		UserID:              string(w.UserID),
		UserIDAlt:           string(w.UserIDAlt),
		UserName:            first(deref(w.UserDisplayName), deref(w.UserName), deref(w.UserHandle)),
		ThreadID:            string(w.ThreadID),
		ChatTopic:           deref(w.ChatTopic),
		ChatIDAlt:           string(w.ChatIDAlt),
		ScopeID:             first(string(w.ScopeID), string(w.GuildID)),
		ParentChatID:        string(w.ParentChatID),
		MessageID:           string(w.MessageID),
		ProspectiveThreadID: string(w.ProspectiveThreadID),
		IsBot:               bool(w.IsBot),
		MessageIsEdit:       bool(w.MessageIsEdit),
		Profile:             strings.TrimSpace(deref(w.Profile)),
	}
	if s.Platform == "" {
		s.Platform = DefaultPlatform
	}
	if s.ChatType == "" {
		s.ChatType = ChatDM
	}
	return nil
}

// UnmarshalJSON is the reference's Event.UnmarshalJSON.
func (e *refEvent) UnmarshalJSON(b []byte) error {
	var w struct {
		Text             *string       `json:"text"`
		MessageType      *string       `json:"message_type"`
		MessageID        refIDString   `json:"message_id"`
		ReplyToMessageID refIDString   `json:"reply_to_message_id"`
		MediaURLs        []refIDString `json:"media_urls"`
		Source           *refSource    `json:"source"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	*e = refEvent{
		Text:             deref(w.Text),
		MessageType:      deref(w.MessageType),
		MessageID:        string(w.MessageID),
		ReplyToMessageID: string(w.ReplyToMessageID),
	}
	if !refKnownMessageTypes[e.MessageType] {
		e.MessageType = MessageText
	}
	for _, u := range w.MediaURLs {
		if u != "" {
			e.MediaURLs = append(e.MediaURLs, string(u))
		}
	}
	if w.Source != nil {
		e.Source = Source(*w.Source)
	} else {
		e.Source = Source{Platform: DefaultPlatform, ChatType: ChatDM}
	}
	return nil
}

// refIDString is the reference idString.
type refIDString string

// UnmarshalJSON reads a string, a number (as its text) or null.
func (s *refIDString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty id")
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = refIDString(v)
	case string(b) == "null":
		*s = ""
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = refIDString(n.String())
	default:
		return fmt.Errorf("id: expected a string or a number")
	}
	return nil
}

// refNullBool is the reference nullBool.
type refNullBool bool

// UnmarshalJSON reads true, false or null (false).
func (v *refNullBool) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*v = false
		return nil
	}
	var x bool
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("expected true or false")
	}
	*v = refNullBool(x)
	return nil
}

// UnmarshalJSON is the reference OutboundResult.UnmarshalJSON.
func (r *refOutboundResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Success   refNullBool `json:"success"`
		MessageID refIDString `json:"message_id"`
		Error     any         `json:"error"`
		Code      *string     `json:"code"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("outbound result: %w", err)
	}
	*r = refOutboundResult{Success: bool(w.Success), MessageID: string(w.MessageID), Code: deref(w.Code), Raw: append(json.RawMessage(nil), b...)}
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

package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Outbound ops. send, edit and typing are always available; any other op
// only when the connection's descriptor lists it in supported_ops (an empty
// list means the legacy set send, edit, typing, follow_up).
const (
	OpSend     = "send"
	OpEdit     = "edit"
	OpTyping   = "typing"
	OpFollowUp = "follow_up"
)

// Metadata keys the gateway re-attaches to a chat-addressed action when
// absent, from the last inbound of that chat: the connector's egress guard
// refuses a reply without them.
const (
	MetaScopeID = "scope_id"
	MetaUserID  = "user_id"
	MetaProfile = "profile"
)

// Action is the "action" of an outbound frame: {"op": ..., ...}. Extra holds
// the fields of ops this package does not model (react, send_media, ...);
// named fields win over Extra on a clash.
type Action struct {
	Op        string         `json:"op"`
	ChatID    string         `json:"chat_id,omitempty"`
	MessageID string         `json:"message_id,omitempty"`
	Content   string         `json:"content,omitempty"`
	ReplyTo   string         `json:"reply_to,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	Extra     map[string]any `json:"-"`
}

var actionKeys = []string{"op", "chat_id", "message_id", "content", "reply_to", "metadata"}

// MarshalJSON writes the named fields, then Extra's other keys in sorted
// order.
func (a Action) MarshalJSON() ([]byte, error) {
	type plain Action
	body, err := marshalPlain(plain(a))
	if err != nil {
		return nil, err
	}
	if len(a.Extra) == 0 {
		return body, nil
	}
	var b bytes.Buffer
	b.Write(body[:len(body)-1])
	for _, k := range slices.Sorted(maps.Keys(a.Extra)) {
		if slices.Contains(actionKeys, k) {
			continue
		}
		kb, _ := marshalPlain(k)
		vb, err := marshalPlain(a.Extra[k])
		if err != nil {
			return nil, fmt.Errorf("action field %s: %w", k, err)
		}
		b.WriteByte(',')
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the named fields and keeps the others in Extra.
func (a *Action) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	var w struct {
		Op        *string        `json:"op"`
		ChatID    idString       `json:"chat_id"`
		MessageID idString       `json:"message_id"`
		Content   *string        `json:"content"`
		ReplyTo   idString       `json:"reply_to"`
		Metadata  map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Action{Op: deref(w.Op), ChatID: string(w.ChatID), MessageID: string(w.MessageID),
		Content: deref(w.Content), ReplyTo: string(w.ReplyTo), Metadata: w.Metadata}
	for k, v := range all {
		if slices.Contains(actionKeys, k) {
			continue
		}
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return err
		}
		if a.Extra == nil {
			a.Extra = map[string]any{}
		}
		a.Extra[k] = x
	}
	return nil
}

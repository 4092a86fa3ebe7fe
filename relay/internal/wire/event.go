package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Message types of an [Event]. An unknown type reads as [MessageText].
const (
	MessageText    = "text"
	MessageCommand = "command"
)

// DefaultPlatform is a source's platform when the connector names none.
const DefaultPlatform = "relay"

// Chat types of a [Source].
const (
	ChatDM      = "dm"
	ChatGroup   = "group"
	ChatChannel = "channel"
	ChatThread  = "thread"
	ChatForum   = "forum"
)

// knownMessageType reports whether t is one of the reference's
// MessageType values.
func knownMessageType(t string) bool {
	switch t {
	case "text", "command", "photo", "video", "audio", "voice", "document", "sticker", "location":
		return true
	}
	return false
}

// Event is the connector's normalized inbound message (the "event" of an
// inbound frame). Ids that a connector sends as JSON numbers are read as
// their decimal text.
type Event struct {
	Text string `json:"text"`
	// MessageType is "text", "command", ...; an unknown type reads as
	// "text".
	MessageType      string   `json:"message_type"`
	MessageID        string   `json:"message_id,omitempty"`
	ReplyToMessageID string   `json:"reply_to_message_id,omitempty"`
	MediaURLs        []string `json:"media_urls,omitempty"`
	Source           Source   `json:"source"`
}

// Source is where an event comes from: the session key discriminators and
// the chat metadata the gateway re-attaches to its replies.
type Source struct {
	// Platform is the underlying platform ("discord", "telegram", ...);
	// absent reads as "relay".
	Platform string `json:"platform"`
	ChatID   string `json:"chat_id"`
	// ChatType is dm, group, channel, thread or forum; absent reads as dm.
	ChatType  string `json:"chat_type"`
	ChatName  string `json:"chat_name,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	UserIDAlt string `json:"user_id_alt,omitempty"`
	// UserName is the display name (user_display_name, else user_name, else
	// user_handle on the wire); presentation only.
	UserName  string `json:"user_name,omitempty"`
	ThreadID  string `json:"thread_id,omitempty"`
	ChatTopic string `json:"chat_topic,omitempty"`
	ChatIDAlt string `json:"chat_id_alt,omitempty"`
	// ScopeID is the scope (Discord guild, Slack workspace, Matrix server);
	// on the wire scope_id wins over the legacy guild_id.
	ScopeID      string `json:"scope_id,omitempty"`
	ParentChatID string `json:"parent_chat_id,omitempty"`
	MessageID    string `json:"message_id,omitempty"`
	// ProspectiveThreadID is the thread a channel message's reply will be
	// auto-threaded into (Discord): the session follows it.
	ProspectiveThreadID string `json:"prospective_thread_id,omitempty"`
	IsBot               bool   `json:"is_bot"`
	MessageIsEdit       bool   `json:"message_is_edit"`
	// Profile is the connector-stamped target profile; empty on a
	// single-profile connector.
	Profile string `json:"profile,omitempty"`
}

// idString is a wire id: a JSON string or number (read as its text), or
// null.
type idString string

// UnmarshalJSON reads a string, a number (as its text) or null.
func (s *idString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty id")
	case b[0] == '"':
		if v, ok := plainString(b); ok {
			*s = idString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = idString(v)
	case string(b) == "null":
		*s = ""
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		if plainInteger(b) {
			*s = idString(b)
			return nil
		}
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = idString(n.String())
	default:
		return fmt.Errorf("id: expected a string or a number")
	}
	return nil
}

// plainString returns the text of a JSON string literal b that has no
// escape, no control character and valid UTF-8, which json.Unmarshal would
// return unchanged; ok is false for any other b.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// plainInteger reports whether b is a JSON integer (an optional '-', then
// 0 or digits not starting with 0), whose text json.Number keeps as is.
func plainInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// optString is a wire string that reads null as "". Unlike a *string it
// allocates nothing of its own; like one, a later null clears it.
type optString string

// UnmarshalJSON reads a string or null.
func (s *optString) UnmarshalJSON(b []byte) error {
	if v, ok := plainString(b); ok {
		*s = optString(v)
		return nil
	}
	var p *string
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = optString(deref(p))
	return nil
}

// nullBool is a bool that reads null as false.
type nullBool bool

// UnmarshalJSON reads true, false or null (false).
func (v *nullBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "false":
		*v = false
		return nil
	case "true":
		*v = true
		return nil
	}
	if string(bytes.TrimSpace(b)) == "null" {
		*v = false
		return nil
	}
	var x bool
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("expected true or false")
	}
	*v = nullBool(x)
	return nil
}

// sourceFields is the wire form of a [Source].
type sourceFields struct {
	Platform            optString `json:"platform"`
	ChatID              idString  `json:"chat_id"`
	ChatType            optString `json:"chat_type"`
	ChatName            optString `json:"chat_name"`
	UserID              idString  `json:"user_id"`
	UserIDAlt           idString  `json:"user_id_alt"`
	UserDisplayName     optString `json:"user_display_name"`
	UserName            optString `json:"user_name"`
	UserHandle          optString `json:"user_handle"`
	ThreadID            idString  `json:"thread_id"`
	ChatTopic           optString `json:"chat_topic"`
	ChatIDAlt           idString  `json:"chat_id_alt"`
	ScopeID             idString  `json:"scope_id"`
	GuildID             idString  `json:"guild_id"`
	ParentChatID        idString  `json:"parent_chat_id"`
	MessageID           idString  `json:"message_id"`
	ProspectiveThreadID idString  `json:"prospective_thread_id"`
	IsBot               nullBool  `json:"is_bot"`
	MessageIsEdit       nullBool  `json:"message_is_edit"`
	Profile             optString `json:"profile"`
}

// source applies scope_id over guild_id, the display name fallbacks and
// the defaults.
func (w *sourceFields) source() Source {
	s := Source{
		Platform:            string(w.Platform),
		ChatID:              string(w.ChatID),
		ChatType:            string(w.ChatType),
		ChatName:            string(w.ChatName),
		UserID:              string(w.UserID),
		UserIDAlt:           string(w.UserIDAlt),
		UserName:            first(string(w.UserDisplayName), string(w.UserName), string(w.UserHandle)),
		ThreadID:            string(w.ThreadID),
		ChatTopic:           string(w.ChatTopic),
		ChatIDAlt:           string(w.ChatIDAlt),
		ScopeID:             first(string(w.ScopeID), string(w.GuildID)),
		ParentChatID:        string(w.ParentChatID),
		MessageID:           string(w.MessageID),
		ProspectiveThreadID: string(w.ProspectiveThreadID),
		IsBot:               bool(w.IsBot),
		MessageIsEdit:       bool(w.MessageIsEdit),
		Profile:             strings.TrimSpace(string(w.Profile)),
	}
	if s.Platform == "" {
		s.Platform = DefaultPlatform
	}
	if s.ChatType == "" {
		s.ChatType = ChatDM
	}
	return s
}

// eventFields is the wire form of an [Event] but its source.
type eventFields struct {
	Text             *string    `json:"text"`
	MessageType      optString  `json:"message_type"`
	MessageID        idString   `json:"message_id"`
	ReplyToMessageID idString   `json:"reply_to_message_id"`
	MediaURLs        []idString `json:"media_urls"`
}

// event applies the message type default and drops empty media URLs; the
// source is src, or the default one when src is nil.
func (w *eventFields) event(src *Source) Event {
	e := Event{
		Text:             deref(w.Text),
		MessageType:      string(w.MessageType),
		MessageID:        string(w.MessageID),
		ReplyToMessageID: string(w.ReplyToMessageID),
	}
	if !knownMessageType(e.MessageType) {
		e.MessageType = MessageText
	}
	for _, u := range w.MediaURLs {
		if u != "" {
			e.MediaURLs = append(e.MediaURLs, string(u))
		}
	}
	if src != nil {
		e.Source = *src
	} else {
		e.Source = Source{Platform: DefaultPlatform, ChatType: ChatDM}
	}
	return e
}

// UnmarshalJSON reads the wire form: ids as strings or numbers, scope_id
// over guild_id, the display name fallbacks, and the defaults. It is the
// exact path of [DecodeFrame]; see decode.go for the one-pass path.
func (s *Source) UnmarshalJSON(b []byte) error {
	var w sourceFields
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	*s = w.source()
	return nil
}

// UnmarshalJSON reads the wire form of an event (see [Source]). A repeated
// "source" key replaces, never merges, the source read before it.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w struct {
		eventFields
		Source *Source `json:"source"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	*e = w.event(w.Source)
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// first returns the first non-empty string of vs.
func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

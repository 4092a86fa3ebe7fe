package relay

import (
	"strings"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Event is the connector's normalized inbound message (the "event" of an
// inbound frame). Ids that a connector sends as JSON numbers are read as
// their decimal text.
type Event struct {
	Text string
	// MessageType is "text", "command", ...; an unknown type reads as
	// "text".
	MessageType      string
	MessageID        string
	ReplyToMessageID string
	MediaURLs        []string
	Source           Source
}

// Source is where an event comes from: the session key discriminators and
// the chat metadata the gateway re-attaches to its replies.
type Source struct {
	// Platform is the underlying platform ("discord", "telegram", ...);
	// absent reads as "relay".
	Platform string
	ChatID   string
	// ChatType is dm, group, channel, thread or forum; absent reads as dm.
	ChatType  string
	ChatName  string
	UserID    string
	UserIDAlt string
	// UserName is the display name (user_display_name, else user_name, else
	// user_handle on the wire); presentation only.
	UserName  string
	ThreadID  string
	ChatTopic string
	ChatIDAlt string
	// ScopeID is the scope (Discord guild, Slack workspace, Matrix server);
	// on the wire scope_id wins over the legacy guild_id.
	ScopeID      string
	ParentChatID string
	MessageID    string
	// ProspectiveThreadID is the thread a channel message's reply will be
	// auto-threaded into (Discord): the session follows it.
	ProspectiveThreadID string
	IsBot               bool
	MessageIsEdit       bool
	// Profile is the connector-stamped target profile; empty on a
	// single-profile connector.
	Profile string
}

// eventFrom is the public form of a decoded event.
func eventFrom(e wire.Event) Event {
	return Event{Text: e.Text, MessageType: e.MessageType, MessageID: e.MessageID,
		ReplyToMessageID: e.ReplyToMessageID, MediaURLs: e.MediaURLs, Source: Source(e.Source)}
}

// SessionKey is the session an event belongs to: the reference's
// build_session_key of its source, namespaced by the connector-stamped
// profile (groups per user, threads shared):
//
//	<ns>:<platform>:<chat_type>[:<scope_id, Slack only>][:<chat_id>] + tail
//
// <ns> is "agent:main" for no or the "default" profile, "agent:main~" for
// a profile named "main", else "agent:<profile>". A DM appends the user only
// when it has no chat id, then the thread. A group or channel appends the
// thread, then the user (user_id_alt, else user_id) unless in a thread. A
// channel message that will be auto-threaded (prospective_thread_id) keys on
// that thread with the chat type slot "thread".
//
// Example: a Discord group message in chanA by userX, no profile:
// "agent:main:discord:group:chanA:userX".
func SessionKey(ev Event) string { return sessionKeyFor(ev.Source, ev.Source.Profile) }

// sessionKeyFor is the session key of src under profile (see [SessionKey]).
func sessionKeyFor(src Source, profile string) string {
	platform := src.Platform
	if platform == "" {
		platform = wire.DefaultPlatform
	}
	chatType := src.ChatType
	if chatType == "" {
		chatType = wire.ChatDM
	}
	isDM := chatType == wire.ChatDM
	threadID := src.ThreadID
	if threadID == "" && !isDM {
		threadID = src.ProspectiveThreadID
	}
	slot := chatType
	if threadID != "" && src.ThreadID == "" {
		slot = wire.ChatThread
	}
	var isolate bool
	if isDM {
		isolate = src.ChatID == ""
	} else {
		isolate = threadID == ""
	}
	participant := first(src.UserIDAlt, src.UserID)

	var b strings.Builder
	b.WriteString(sessionNamespace(profile))
	b.WriteByte(':')
	b.WriteString(platform)
	b.WriteByte(':')
	b.WriteString(slot)
	add := func(s string) {
		b.WriteByte(':')
		b.WriteString(s)
	}
	if platform == "slack" && src.ScopeID != "" {
		add(src.ScopeID)
	}
	if src.ChatID != "" {
		add(src.ChatID)
	}
	user := isolate && participant != ""
	if isDM {
		if user {
			add(participant)
		}
		if threadID != "" {
			add(threadID)
		}
	} else {
		if threadID != "" {
			add(threadID)
		}
		if user {
			add(participant)
		}
	}
	return b.String()
}

// sessionNamespace is the <ns> of a session key for profile.
func sessionNamespace(profile string) string {
	switch profile {
	case "", "default":
		return "agent:main"
	case "main":
		return "agent:main~"
	}
	return "agent:" + profile
}

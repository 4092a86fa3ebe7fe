// The Client's chat memory: the metadata (scope_id, user_id, profile) of
// each chat's last inbound, remembered in a bounded LRU and re-attached to
// chat-addressed outbound actions.

package relay

import (
	"container/list"
	"maps"
	"sync"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// withMetadata returns a with the chat's remembered metadata added where
// absent.
func (c *Client) withMetadata(a wire.Action, platform string) wire.Action {
	if a.ChatID == "" { // not chat-addressed: no metadata to re-attach
		return a
	}
	remembered := c.chats.lookup(platform, a.ChatID)
	meta := maps.Clone(a.Metadata)
	if meta == nil {
		meta = map[string]any{}
	}
	for k, v := range remembered {
		if cur, ok := meta[k]; !ok || cur == nil || cur == "" {
			meta[k] = v
		}
	}
	if len(meta) == 0 {
		meta = nil
	}
	a.Metadata = meta
	return a
}

// maxRememberedChats bounds the chats whose metadata is remembered.
const maxRememberedChats = 10000

// chatMemory remembers, per chat, the metadata of its last inbound (scope_id,
// user_id, profile), least recently used first out.
type chatMemory struct {
	mu    sync.Mutex
	max   int
	order *list.List // of string keys, front = most recent
	items map[string]chatEntry
}

type chatEntry struct {
	meta map[string]any
	elem *list.Element
}

func chatKey(platform, chatID string) string { return platform + "\x00" + chatID }

// remember records src's metadata under its platform and chat, and under
// the chat alone (for a send that names no platform).
func (m *chatMemory) remember(src Source) {
	if src.ChatID == "" {
		return
	}
	meta := map[string]any{}
	if src.ScopeID != "" {
		meta[wire.MetaScopeID] = src.ScopeID
	}
	if u := first(src.UserID, src.UserIDAlt); u != "" {
		meta[wire.MetaUserID] = u
	}
	if src.Profile != "" {
		meta[wire.MetaProfile] = src.Profile
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]chatEntry{}
		m.order = list.New()
	}
	for _, k := range []string{chatKey(src.Platform, src.ChatID), chatKey("", src.ChatID)} {
		if e, ok := m.items[k]; ok {
			m.order.MoveToFront(e.elem)
			m.items[k] = chatEntry{meta: meta, elem: e.elem}
			continue
		}
		m.items[k] = chatEntry{meta: meta, elem: m.order.PushFront(k)}
		for m.max > 0 && len(m.items) > m.max {
			old := m.order.Back()
			m.order.Remove(old)
			delete(m.items, old.Value.(string))
		}
	}
}

// lookup returns the remembered metadata of a chat (platform "" matches
// the last inbound of that chat id on any platform).
func (m *chatMemory) lookup(platform, chatID string) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[chatKey(platform, chatID)]
	if !ok {
		return nil
	}
	return e.meta
}

package wire_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// TestEventWireForm: ids as numbers, scope_id over guild_id, the display
// name fallbacks, the trimmed profile and the defaults.
func TestEventWireForm(t *testing.T) {
	var ev wire.Event
	if err := json.Unmarshal([]byte(`{"text":"x","message_type":"sticker?","media_urls":[1,null,"u"],"source":{"chat_id":7,"guild_id":"g","scope_id":"s","user_handle":"h","profile":" ops "}}`), &ev); err != nil {
		t.Fatal(err)
	}
	want := wire.Event{Text: "x", MessageType: wire.MessageText, MediaURLs: []string{"1", "u"},
		Source: wire.Source{Platform: wire.DefaultPlatform, ChatType: wire.ChatDM, ChatID: "7", ScopeID: "s", UserName: "h", Profile: "ops"}}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("got  %+v\nwant %+v", ev, want)
	}
}

func FuzzEvent(f *testing.F) {
	f.Add([]byte(`{"text":"hi","message_type":"command","source":{"platform":"slack","chat_type":"thread","scope_id":"T","chat_id":1,"thread_id":2,"user_id":"u","profile":"p"}}`), "")
	f.Add([]byte(`{"source":{"guild_id":"g","prospective_thread_id":"t","chat_type":"channel"}}`), "main")
	f.Add([]byte(`{"media_urls":[1,null,"u"],"source":null}`), "default")
	f.Add([]byte(`[]`), "x")
	f.Fuzz(func(t *testing.T, raw []byte, _ string) {
		var ev wire.Event
		if json.Unmarshal(raw, &ev) != nil {
			return
		}
		if ev.Source.Platform == "" || ev.Source.ChatType == "" || ev.MessageType == "" {
			t.Fatalf("defaults not applied: %+v", ev)
		}
		// What decodes re-encodes and decodes to the same event.
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var again wire.Event
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(again, ev) {
			t.Fatalf("event changed:\n%+v\n%+v", again, ev)
		}
	})
}

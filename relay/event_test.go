package relay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
)

func TestSessionKeys(t *testing.T) {
	cases := []struct {
		src     relay.Source
		profile string
		want    string
	}{
		{relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX"}, "", "agent:main:discord:group:chanA:userX"},
		{relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX"}, "default", "agent:main:discord:group:chanA:userX"},
		{relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX"}, "main", "agent:main~:discord:group:chanA:userX"},
		{relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX"}, "ops", "agent:ops:discord:group:chanA:userX"},
		{relay.Source{Platform: "discord", ChatType: "thread", ChatID: "chanA", ThreadID: "t1", UserID: "userX"}, "", "agent:main:discord:thread:chanA:t1"},
		{relay.Source{Platform: "telegram", ChatType: "dm", ChatID: "42", UserID: "u"}, "", "agent:main:telegram:dm:42"},
		{relay.Source{Platform: "telegram", ChatType: "dm", UserID: "u"}, "", "agent:main:telegram:dm:u"},
		{relay.Source{Platform: "slack", ChatType: "channel", ScopeID: "T1", ChatID: "C1", UserID: "U1", UserIDAlt: "alt"}, "", "agent:main:slack:channel:T1:C1:alt"},
		{relay.Source{Platform: "discord", ChatType: "channel", ScopeID: "G1", ChatID: "C1", UserID: "U1"}, "", "agent:main:discord:channel:C1:U1"},
	}
	for _, c := range cases {
		if got := relay.SessionKeyFor(c.src, c.profile); got != c.want {
			t.Errorf("%+v/%q: %s, want %s", c.src, c.profile, got, c.want)
		}
	}
	var ev relay.Event
	if err := json.Unmarshal([]byte(`{"text":"x","source":{"platform":"discord","chat_type":"group","chat_id":"chanA","user_id":"userX","profile":" ops "}}`), &ev); err != nil {
		t.Fatal(err)
	}
	if got := relay.SessionKey(ev); got != "agent:ops:discord:group:chanA:userX" {
		t.Fatalf("SessionKey %s", got)
	}
}

func FuzzEvent(f *testing.F) {
	f.Add([]byte(`{"text":"hi","message_type":"command","source":{"platform":"slack","chat_type":"thread","scope_id":"T","chat_id":1,"thread_id":2,"user_id":"u","profile":"p"}}`), "")
	f.Add([]byte(`{"source":{"guild_id":"g","prospective_thread_id":"t","chat_type":"channel"}}`), "main")
	f.Add([]byte(`{"media_urls":[1,null,"u"],"source":null}`), "default")
	f.Add([]byte(`[]`), "x")
	f.Fuzz(func(t *testing.T, raw []byte, profile string) {
		var ev relay.Event
		if json.Unmarshal(raw, &ev) != nil {
			ev = relay.Event{}
		}
		for _, key := range []string{relay.SessionKey(ev), relay.SessionKeyFor(ev.Source, profile)} {
			if !strings.HasPrefix(key, "agent:") || strings.Count(key, ":") < 3 {
				t.Fatalf("session key %q", key)
			}
		}
		// What decodes re-encodes and decodes to the same key.
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var again relay.Event
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if relay.SessionKey(again) != relay.SessionKey(ev) {
			t.Fatalf("key changed: %s vs %s", relay.SessionKey(again), relay.SessionKey(ev))
		}
	})
}

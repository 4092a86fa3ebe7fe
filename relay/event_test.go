package relay_test

import (
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
	ev := relay.Event{Text: "x", Source: relay.Source{Platform: "discord", ChatType: "group", ChatID: "chanA", UserID: "userX", Profile: "ops"}}
	if got := relay.SessionKey(ev); got != "agent:ops:discord:group:chanA:userX" {
		t.Fatalf("SessionKey %s", got)
	}
}

// FuzzSessionKey: any source, decoded from the wire or not, keys into the
// agent namespace with at least platform and chat type.
func FuzzSessionKey(f *testing.F) {
	f.Add("slack", "thread", "T", "1", "2", "u", "", "p", "")
	f.Add("", "channel", "g", "", "", "", "", "main", "t")
	f.Add("discord", "", "", "c", "", "", "alt", "default", "")
	f.Fuzz(func(t *testing.T, platform, chatType, scope, chat, thread, user, userAlt, profile, prospective string) {
		src := relay.Source{Platform: platform, ChatType: chatType, ScopeID: scope, ChatID: chat, ThreadID: thread,
			UserID: user, UserIDAlt: userAlt, ProspectiveThreadID: prospective}
		for _, key := range []string{relay.SessionKey(relay.Event{Source: src}), relay.SessionKeyFor(src, profile)} {
			if !strings.HasPrefix(key, "agent:") || strings.Count(key, ":") < 3 {
				t.Fatalf("session key %q", key)
			}
		}
	})
}

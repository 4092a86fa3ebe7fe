package relay

import "testing"

func TestMatchRouteMostSpecificFirst(t *testing.T) {
	routes := []ProfileRoute{
		{Name: "all-discord", Platform: "discord", Profile: "ops"},
		{Name: "guild", Platform: "discord", ScopeID: "g1", Profile: "guild"},
		{Name: "user", UserID: "u1", Profile: "vip"},
		{Name: "chat", ChatID: "c1", Profile: "alice"},
		{Name: "thread", ThreadID: "t9", Profile: "bob"},
		{Name: "guild-again", Platform: "discord", ScopeID: "g1", Profile: "second"},
	}
	for _, c := range []struct {
		name string
		src  Source
		want string // "" = no match
	}{
		{"platform only", Source{Platform: "discord", ChatID: "x"}, "ops"},
		{"scope beats platform", Source{Platform: "discord", ScopeID: "g1", ChatID: "x"}, "guild"},
		{"user beats scope", Source{Platform: "discord", ScopeID: "g1", ChatID: "x", UserID: "u1"}, "vip"},
		{"user_id_alt counts", Source{Platform: "telegram", UserIDAlt: "u1"}, "vip"},
		{"chat beats user", Source{Platform: "discord", ScopeID: "g1", ChatID: "c1", UserID: "u1"}, "alice"},
		{"a thread of the chat goes with the chat", Source{Platform: "slack", ChatID: "th", ParentChatID: "c1"}, "alice"},
		{"thread beats chat", Source{Platform: "discord", ChatID: "c1", ThreadID: "t9"}, "bob"},
		{"nothing matches", Source{Platform: "telegram", ChatID: "zzz"}, ""},
		{"empty platform reads as relay", Source{ChatID: "zzz"}, ""},
	} {
		r, ok := matchRoute(routes, c.src)
		if got := map[bool]string{true: r.Profile}[ok]; got != c.want {
			t.Errorf("%s: routed to %q (%s), want %q", c.name, got, r.Name, c.want)
		}
	}
	// A tie goes to the first route in config order.
	if r, _ := matchRoute(routes, Source{Platform: "discord", ScopeID: "g1"}); r.Name != "guild" {
		t.Errorf("tie: %q, want the first", r.Name)
	}
	// A catch-all route is an explicit choice of the operator: it matches
	// everything, least specifically.
	catchAll := append([]ProfileRoute{{Name: "any", Profile: "fallback"}}, routes...)
	if r, _ := matchRoute(catchAll, Source{Platform: "telegram"}); r.Profile != "fallback" {
		t.Errorf("catch-all: %q", r.Profile)
	}
	if r, _ := matchRoute(catchAll, Source{Platform: "discord"}); r.Profile != "ops" {
		t.Errorf("catch-all must lose to a more specific route: %q", r.Profile)
	}
	if _, ok := matchRoute(nil, Source{Platform: "discord"}); ok {
		t.Error("no routes matched something")
	}
}

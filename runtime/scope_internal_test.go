package runtime

import (
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// TestLookupBytesIsLookup: a name read from a guest's memory gets what
// Lookup gives that name, whatever the grants, globals, reserved and
// never-redacted names; the name it returns equals the bytes; and a
// granted read of one of the profile's values allocates nothing.
func TestLookupBytesIsLookup(t *testing.T) {
	g := NewGlobals([]string{"TZ=Europe/Paris", "HOME=/host", "GATEWAY_RELAY_SECRET=relay"}, DefaultGlobalAllowlist+" GATEWAY_RELAY_SECRET")
	s := newScope("p", "g1", map[string]string{
		"GATEWAY_RELAY_SECRET": "in-env-file", "K": "v", "EMPTY": "", "HOME": "/profile",
		"SETTING": "plain-setting-value", "bad name": "x",
	}, g).neverRedacted([]string{"SETTING"})
	names := []string{"TZ", "HOME", "GATEWAY_RELAY_SECRET", "K", "EMPTY", "SETTING", "bad name", "UNKNOWN", "", "k"}
	for _, grants := range [][]string{nil, {}, {"K"}, {"K", "HOME", "GATEWAY_RELAY_SECRET", "bad name"}} {
		for _, name := range names {
			sv, out := s.lookupBytes([]byte(name), grants)
			v, want := s.Lookup(name, grants)
			if sv.name != name || sv.value != v || out != want {
				t.Errorf("lookupBytes(%q, %q) = %q %q %s; Lookup: %q %s", name, grants, sv.name, sv.value, out, v, want)
			}
			if out == OutcomeGranted && sv.redactable != s.redactable(name) {
				t.Errorf("lookupBytes(%q, %q): redactable %v, want %v", name, grants, sv.redactable, s.redactable(name))
			}
		}
	}
	raw := []byte("K")
	if n := testing.AllocsPerRun(100, func() { s.lookupBytes(raw, []string{"K"}) }); n != 0 {
		t.Errorf("a granted read allocates %v times", n)
	}
}

// TestLearnReadFollowsTheScope: a binding learns each value it reads once,
// learns a name's new value when its call's scope is another, and never
// learns a value redaction must leave alone.
func TestLearnReadFollowsTheScope(t *testing.T) {
	first := newScope("p", "1", map[string]string{"TOKEN": "first-value-0123456789", "SETTING": "setting-value-0123456789"}, Globals{}).neverRedacted([]string{"SETTING"})
	second := newScope("p", "2", map[string]string{"TOKEN": "second-value-0123456789", "SETTING": "setting-value-0123456789"}, Globals{}).neverRedacted([]string{"SETTING"})
	b := &binding{learned: &redact.Set{}, call: &callState{}}
	read := func(s *Scope, name string) {
		b.call.scope = s
		sv, out := s.lookupBytes([]byte(name), nil)
		if out != OutcomeGranted {
			t.Fatalf("%s: %s", name, out)
		}
		b.learnRead(sv)
	}
	read(first, "TOKEN")
	read(first, "TOKEN")
	read(first, "SETTING")
	if !b.learned.Has("first-value-0123456789") || b.learned.Has("setting-value-0123456789") || b.learned.Len() != 1 {
		t.Fatalf("after the first scope: %q", b.learned.Values())
	}
	read(second, "TOKEN")
	if !b.learned.Has("second-value-0123456789") {
		t.Errorf("the value of the second scope was not learned: %q", b.learned.Values())
	}
}

package runtime

import (
	"fmt"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

func TestInterpCacheEntryIsKeptPerServerAndContent(t *testing.T) {
	var c interpCache
	builds := 0
	build := func() (*interpEntry, bool) {
		builds++
		v, err := value.ParseJSON([]byte(`{"command":"x"}`))
		return &interpEntry{orig: v}, err == nil
	}
	a := c.entry("s", []byte(`{"command":"x"}`), build)
	if b := c.entry("s", []byte(`{"command":"x"}`), build); b != a || builds != 1 {
		t.Fatalf("the same entry was built %d times", builds)
	}
	c.entry("t", []byte(`{"command":"x"}`), build)
	c.entry("s", []byte(`{"command":"y"}`), build)
	if builds != 3 {
		t.Fatalf("another server or content shared an entry: %d builds, want 3", builds)
	}
	// An entry build refuses to keep is returned, never kept.
	refused := func() (*interpEntry, bool) { builds++; return &interpEntry{}, false }
	c.entry("u", []byte(`not json`), refused)
	c.entry("u", []byte(`not json`), refused)
	if builds != 5 {
		t.Fatalf("an entry that does not parse was kept")
	}
	for i := range 3 * maxInterpCache {
		c.entry("s", fmt.Appendf(nil, `{"command":"%d"}`, i), build)
	}
	if n := len(c.m); n > maxInterpCache {
		t.Fatalf("the cache holds %d entries, more than its bound %d", n, maxInterpCache)
	}
}

func TestInterpCacheResultOnlyForTheSameScopeAndOutput(t *testing.T) {
	var c interpCache
	e := c.entry("s", []byte(`{"command":"x"}`), func() (*interpEntry, bool) { return &interpEntry{}, true })
	scope := NewScope("p", "g1", map[string]string{"K": "value-0123456789"}, Globals{})
	resolved, _ := value.ParseJSON([]byte(`{"command":"value-0123456789"}`))
	res := abi.InterpolateResult{Entry: resolved.JSON(), Refs: []abi.Reference{{Path: "command", Name: "K", Outcome: abi.RefResolved}}}
	out := []byte(`{"entry":{"command":"value-0123456789"},"refs":[{"path":"command","name":"K","outcome":"resolved"}]}`)
	if _, _, ok := c.result(e, scope, out, true); ok {
		t.Fatal("a result before any was remembered")
	}
	c.remember(e, scope, out, res, resolved)
	got, v, ok := c.result(e, scope, out, true)
	if !ok || string(got.Entry) != string(res.Entry) || len(got.Refs) != 1 || string(v.JSON()) != string(resolved.JSON()) {
		t.Fatalf("result = %s %v %v", got.Entry, got.Refs, ok)
	}
	// What the caller gets is its own: changing it changes no later result.
	got.Entry[0], got.Refs[0].Name, v.Keys[0] = 'X', "Y", "Z"
	if again, v2, _ := c.result(e, scope, out, true); string(again.Entry) != string(res.Entry) || again.Refs[0].Name != "K" || v2.Keys[0] != "command" {
		t.Fatal("a caller's change reached the cache")
	}
	other := []byte(`{"entry":{"command":"value-0123456789"},"refs":[]}`)
	if _, _, ok := c.result(e, scope, other, true); ok {
		t.Fatal("another output matched: it must be validated")
	}
	rotated := NewScope("p", "g2", map[string]string{"K": "value-0123456789"}, Globals{})
	if _, _, ok := c.result(e, rotated, out, true); ok {
		t.Fatal("another scope (a changed .env) matched")
	}
}

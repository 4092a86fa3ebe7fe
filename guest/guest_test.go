package guest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
)

func TestEncodeAttrs(t *testing.T) {
	got := encodeAttrs([]any{"s", "a \"q\"\n\x01é", "i", 7, "b", true, "e", errors.New("boom"), "m", map[string]int{"x": 1}, 42, "v", "odd"})
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	want := map[string]any{"s": "a \"q\"\n\x01é", "i": 7.0, "b": true, "e": "boom", "m": map[string]any{"x": 1.0}, "!BADKEY": "42", "odd": "!MISSING"}
	for k, v := range want {
		if b1, _ := json.Marshal(m[k]); string(b1) != mustJSON(v) {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if encodeAttrs(nil) != nil {
		t.Error("no attrs should encode to nothing")
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

var echoOnce sync.Once

func TestToolDecodesStrictly(t *testing.T) {
	type in struct {
		Name string `json:"name"`
	}
	// The registry lives as long as the process: register once, so that
	// go test -count=N runs this again.
	echoOnce.Do(func() { Tool("t_echo_name", "", func(i in) (string, error) { return i.Name, nil }) })
	for input, want := range map[string]string{`{}`: `""`, ``: `""`, ` null `: `""`, `{"name":"x"}`: `"x"`} {
		out, err := Invoke("t_echo_name", []byte(input))
		if err != nil || string(out) != want {
			t.Errorf("%q: %s %v, want %s", input, out, err, want)
		}
	}
	for _, bad := range []string{`{"nmae":"x"}`, `{"name":1}`, `{} {}`, `[`} {
		if _, err := Invoke("t_echo_name", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Invoke("nope", nil); err == nil {
		t.Error("unknown tool accepted")
	}
}

func FuzzEncodeAttrs(f *testing.F) {
	f.Add("k", "v\x00\"\\\u2028")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, k, v string) {
		var m map[string]any
		if err := json.Unmarshal(encodeAttrs([]any{k, v}), &m); err != nil {
			t.Fatalf("invalid JSON for %q=%q: %v", k, v, err)
		}
	})
}

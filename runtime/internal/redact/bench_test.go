package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkOutput scrubs a 4 KiB JSON tool output holding one read value,
// against a set of three (the common case: a tool that read its key).
func BenchmarkOutput(b *testing.B) {
	s := NewSet(map[string]string{"A": "sk-live-9f8e7d6c5b4a", "B": "ghp_0123456789abcdefXYZ", "C": "xoxb-1111-2222-abcdEFGH"})
	doc := map[string]any{"items": strings.Split(strings.Repeat("some ordinary words here ", 150), " "), "key": "sk-live-9f8e7d6c5b4a", "n": 2024, "ok": true}
	in, _ := json.Marshal(doc)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Output(in, Anonymous)
	}
}

// BenchmarkOutputNothingRead is a call whose instance read nothing: the
// output is returned as is.
func BenchmarkOutputNothingRead(b *testing.B) {
	var s Set
	in := []byte(`{"text":"` + strings.Repeat("x", 4000) + `"}`)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Output(in, Anonymous)
	}
}

// values20 is a set of 20 values, as a profile with 20 learned secrets.
func values20() *Set {
	m := map[string]string{}
	for i := range 20 {
		m["V"+string(rune('A'+i))] = "value-" + string(rune('a'+i)) + "-0123456789abcdef"
	}
	return NewSet(m)
}

// BenchmarkOutput20 is BenchmarkOutput's 4 KiB output against 20 values,
// one of which it holds.
func BenchmarkOutput20(b *testing.B) {
	s := values20()
	doc := map[string]any{"items": strings.Split(strings.Repeat("some ordinary words here ", 150), " "), "key": "value-c-0123456789abcdef", "n": 2024, "ok": true}
	in, _ := json.Marshal(doc)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Output(in, Anonymous)
	}
}

// BenchmarkText20Nothing is a 2 KiB log line holding none of 20 values.
func BenchmarkText20Nothing(b *testing.B) {
	s := values20()
	text := strings.Repeat("some ordinary words, value- and 0123456789 ", 50)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Text(text, Named)
	}
}

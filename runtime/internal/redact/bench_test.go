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

package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// inboundLine is an inbound frame as a connector sends it, with a text of
// about n bytes (mixed ASCII, punctuation that needs escaping, and
// non-ASCII).
func inboundLine(n int) []byte {
	unit := `Hello "world" — ünïcödé \ tab	and a newline` + "\n" + `, some plain words follow here. `
	text := strings.Repeat(unit, n/len(unit)+1)[:n]
	for !utf8.ValidString(text) { // a cut inside a rune
		text = text[:len(text)-1]
	}
	ev := map[string]any{
		"text": text, "message_type": "text", "message_id": 1234567890123,
		"source": map[string]any{
			"platform": "discord", "chat_id": "112233445566778899", "chat_type": "group",
			"chat_name": "general", "user_id": 998877665544332211, "user_name": "alice",
			"guild_id": "5566", "is_bot": false, "profile": "ops",
		},
	}
	b, err := json.Marshal(map[string]any{"event": ev, "bufferId": "buf-42"})
	if err != nil {
		panic(err)
	}
	return append([]byte(`{"type":"inbound",`), b[1:]...) // the type first, as a connector writes it
}

// outboundLine is an outbound frame as a gateway sends a reply of about
// 200 bytes.
func outboundLine() []byte {
	b, err := EncodeFrame(OutboundFrame{RequestID: "0123456789abcdef0123456789abcdef", Action: Action{
		Op: "send", ChatID: "112233445566778899", ReplyTo: "1234567890123",
		Content: strings.Repeat(`whoami: "ops" — `, 12), Metadata: map[string]any{"profile": "ops"},
	}})
	if err != nil {
		panic(err)
	}
	return b[:len(b)-1]
}

// resultLine is an outbound_result frame.
var resultLine = []byte(`{"type":"outbound_result","requestId":"0123456789abcdef0123456789abcdef","result":{"success":true,"message_id":"112233445566778899"}}`)

// benchDecode decodes line b.N times, counting its bytes.
func benchDecode(b *testing.B, decode func([]byte) (Frame, error), line []byte) {
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(line); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeCases are the frames the decoding benchmarks run on.
func decodeCases() []struct {
	name string
	line []byte
} {
	return []struct {
		name string
		line []byte
	}{
		{"inbound-200B", inboundLine(200)},
		{"inbound-2KB", inboundLine(2 << 10)},
		{"inbound-10KB", inboundLine(10 << 10)},
		{"outbound-result", resultLine},
		{"outbound-200B", outboundLine()},
	}
}

// BenchmarkDecodeFrame decodes inbound message frames of several sizes
// and an outbound result.
func BenchmarkDecodeFrame(b *testing.B) {
	for _, c := range decodeCases() {
		b.Run(c.name, func(b *testing.B) { benchDecode(b, DecodeFrame, c.line) })
	}
}

// BenchmarkDecodeFrameReference is BenchmarkDecodeFrame on the reference
// decoder (decode_ref_test.go), for the before/after ratio in one run.
func BenchmarkDecodeFrameReference(b *testing.B) {
	for _, c := range decodeCases() {
		b.Run(c.name, func(b *testing.B) { benchDecode(b, refDecodeFrame, c.line) })
	}
}

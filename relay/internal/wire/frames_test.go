package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

func TestFrameRoundTrip(t *testing.T) {
	frames := []wire.Frame{
		wire.HelloFrame{Platform: "discord", BotID: "b1"},
		wire.OutboundFrame{RequestID: "0123456789abcdef0123456789abcdef", Platform: "telegram", BotID: "b2",
			Action: wire.Action{Op: wire.OpSend, ChatID: "c1", Content: "<b>hi</b> & bye", ReplyTo: "m0",
				Metadata: map[string]any{"scope_id": "g1"}, Extra: map[string]any{"thread_id": "t1"}}},
		wire.InterruptFrame{SessionKey: "agent:main:discord:dm:c1", Reason: "/stop"},
		wire.GoingIdleFrame{},
		wire.InboundAckFrame{BufferID: "buf-1"},
		wire.InterruptInboundFrame{SessionKey: "k", ChatID: "c"},
		wire.GoingIdleAckFrame{},
	}
	for _, f := range frames {
		b, err := wire.EncodeFrame(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
			t.Fatalf("%s: not one line: %q", f.FrameType(), b)
		}
		if !bytes.HasPrefix(b, []byte(`{"type":"`+f.FrameType()+`"`)) {
			t.Fatalf("%s: type not first: %s", f.FrameType(), b)
		}
		if bytes.Contains(b, []byte(`\u003c`)) {
			t.Fatalf("HTML escaped: %s", b)
		}
		got, err := wire.DecodeFrame(bytes.TrimSuffix(b, []byte("\n")))
		if err != nil {
			t.Fatalf("%s: %v", f.FrameType(), err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, f)
		}
	}
}

func TestDecodeFrameConnectorFrames(t *testing.T) {
	f, err := wire.DecodeFrame([]byte(`{"type":"outbound_result","requestId":"r1","result":{"success":false,"message_id":123,"error":{"why":"x"},"code":"egress_declined"}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := f.(wire.OutboundResultFrame)
	if r.RequestID != "r1" || r.Result.MessageID != "123" || r.Result.Code != "egress_declined" || r.Result.Error != `{"why":"x"}` {
		t.Fatalf("%+v", r)
	}
	f, err = wire.DecodeFrame([]byte(`{"type":"inbound","bufferId":"b","event":{"text":"hi","message_type":"sticker?","source":{"chat_id":7,"guild_id":"g","scope_id":"s"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	in := f.(wire.InboundFrame)
	if in.BufferID != "b" || in.Event.MessageType != "text" || in.Event.Source.ChatID != "7" || in.Event.Source.ScopeID != "s" || in.Event.Source.Platform != "relay" {
		t.Fatalf("%+v", in)
	}
	if f, err := wire.DecodeFrame([]byte(`{"type":"from-the-future","x":1}`)); err != nil || f.FrameType() != "from-the-future" {
		t.Fatalf("unknown type: %v %v", f, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `{"x":1}`, `{"type":5}`, `{"type":"hello","platform":5}`, `{"type":"inbound","event":"x"}`} {
		_, err := wire.DecodeFrame([]byte(bad))
		var fe *wire.FrameError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err %v, want a FrameError", bad, err)
		}
	}
	// A FrameError never quotes the line (a user's message may be in it).
	_, err = wire.DecodeFrame([]byte(`{"type":"inbound","event":{"text":["private words"]}}`))
	if err == nil || strings.Contains(err.Error(), "private") {
		t.Fatalf("err = %v", err)
	}
}

func TestLineBuffer(t *testing.T) {
	var lb wire.LineBuffer
	var got []string
	feed := func(s string) {
		for _, l := range lb.Feed([]byte(s)) {
			got = append(got, string(l))
		}
	}
	feed(`{"a":1}` + "\n" + `{"b":`)
	if lb.Pending() != len(`{"b":`) {
		t.Fatalf("pending %d", lb.Pending())
	}
	feed(`2}` + "\r\n\n   \n" + `{"c":3}`)
	feed("\n")
	want := []string{`{"a":1}`, `{"b":2}`, `{"c":3}`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	// An oversized line is dropped whole, even across messages.
	got = nil
	big := strings.Repeat("x", wire.MaxFrameSize)
	feed(big)
	feed("yy")
	feed("tail\n" + `{"d":4}` + "\n")
	if !reflect.DeepEqual(got, []string{`{"d":4}`}) || lb.Overflowed() != 1 || lb.Pending() != 0 {
		t.Fatalf("got %q overflowed %d", got, lb.Overflowed())
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","platform":"discord","botId":"b"}`,
		`{"type":"descriptor","descriptor":{"platform":"x"}}`,
		`{"type":"inbound","event":{"text":"t","source":{"chat_id":1}},"bufferId":"b"}`,
		`{"type":"outbound_result","requestId":"r","result":{"success":true,"message_id":5}}`,
		`{"type":"interrupt_inbound","session_key":"k","chat_id":9}`,
		`{"type":"outbound","requestId":"r","action":{"op":"send","chat_id":"c","x":[1]}}`,
		`{"type":"going_idle_ack"}`, `{"type":"passthrough_forward","forward":{}}`, `{"type":"?"}`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fr, err := wire.DecodeFrame(line)
		if err != nil {
			if fr != nil {
				t.Fatal("frame with error")
			}
			return
		}
		if _, unknown := fr.(wire.UnknownFrame); unknown {
			return
		}
		// What decodes re-encodes to one line of valid JSON of that type.
		b, err := wire.EncodeFrame(fr)
		if err != nil {
			if _, ok := fr.(wire.DescriptorFrame); ok {
				return // raw descriptor kept verbatim may be null-ish
			}
			t.Fatalf("re-encode %T: %v", fr, err)
		}
		if bytes.Count(b, []byte("\n")) != 1 || !json.Valid(bytes.TrimSpace(b)) {
			t.Fatalf("re-encoded %q", b)
		}
		again, err := wire.DecodeFrame(bytes.TrimSpace(b))
		if err != nil || again.FrameType() != fr.FrameType() {
			t.Fatalf("second decode: %v %v", again, err)
		}
	})
}

func FuzzLineBuffer(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"), uint8(3))
	f.Add([]byte("\n\n\r\n  \nx"), uint8(1))
	f.Add([]byte("abc\r\ndef"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		// Fed in chunks of any size, the lines are those of the whole,
		// without blank ones and without the unterminated tail.
		var want [][]byte
		whole := data
		if i := bytes.LastIndexByte(whole, '\n'); i >= 0 {
			for _, l := range bytes.Split(whole[:i], []byte("\n")) {
				l = bytes.TrimRight(l, "\r")
				if len(bytes.TrimSpace(l)) > 0 {
					want = append(want, l)
				}
			}
		}
		size := int(chunk)%16 + 1
		var lb wire.LineBuffer
		var got [][]byte
		for len(data) > 0 {
			n := min(size, len(data))
			for _, l := range lb.Feed(data[:n]) {
				got = append(got, append([]byte(nil), l...))
			}
			data = data[n:]
		}
		if len(got) != len(want) {
			t.Fatalf("got %q want %q", got, want)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d: %q want %q", i, got[i], want[i])
			}
		}
	})
}

// TestLineBufferSkipMessage: a skipped message drops the partial line
// before it and, when it did not end a line, the rest of its last line.
func TestLineBufferSkipMessage(t *testing.T) {
	t.Parallel()
	var lb wire.LineBuffer
	if got := lb.Feed([]byte(`{"a":1}` + "\n" + `{"partial`)); len(got) != 1 {
		t.Fatalf("got %q", got)
	}
	lb.SkipMessage([]byte("x"))
	got := lb.Feed([]byte("tail of the cut line\n{\"b\":2}\n"))
	if len(got) != 1 || string(got[0]) != `{"b":2}` || lb.Overflowed() != 1 || lb.Pending() != 0 {
		t.Fatalf("after a skip mid-line: %q (overflowed %d)", got, lb.Overflowed())
	}
	lb.SkipMessage([]byte("\n"))
	if got := lb.Feed([]byte("{\"c\":3}\n")); len(got) != 1 || string(got[0]) != `{"c":3}` {
		t.Fatalf("after a skip that ended a line: %q", got)
	}
}

// FuzzLineBufferSkip: whatever came before, after a skipped message the
// lines read are exactly those of what follows (from its first '\n' on,
// when the skipped message did not end a line).
func FuzzLineBufferSkip(f *testing.F) {
	f.Add([]byte("abc"), []byte("x\n{\"a\":1}\n"), true)
	f.Add([]byte("{\"a\":1}\n"), []byte("{\"b\":2}\n"), false)
	f.Fuzz(func(t *testing.T, before, after []byte, endsLine bool) {
		var lb wire.LineBuffer
		lb.Feed(before)
		last := []byte("x")
		if endsLine {
			last = []byte("\n")
		}
		lb.SkipMessage(last)
		rest := after
		if !endsLine {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				rest = nil
			} else {
				rest = rest[i+1:]
			}
		}
		var want [][]byte
		if i := bytes.LastIndexByte(rest, '\n'); i >= 0 {
			for _, l := range bytes.Split(rest[:i], []byte("\n")) {
				l = bytes.TrimRight(l, "\r")
				if len(bytes.TrimSpace(l)) > 0 && len(l) <= wire.MaxFrameSize {
					want = append(want, l)
				}
			}
		}
		got := lb.Feed(after)
		if len(got) != len(want) {
			t.Fatalf("got %q want %q", got, want)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d: got %q want %q", i, got[i], want[i])
			}
		}
	})
}

// TestLineBufferLongLineInTinyMessages: a line that arrives one byte per
// message costs work linear in its length (a connector controls how its
// lines are cut into messages). Rescanning and copying the partial line on
// every message allocated about 2 GiB for this 64 KiB line.
func TestLineBufferLongLineInTinyMessages(t *testing.T) {
	const n = 64 << 10
	var lb wire.LineBuffer
	one := []byte{'x'}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		if got := lb.Feed(one); got != nil {
			t.Fatalf("a line before its end: %q", got)
		}
	}
	got := lb.Feed([]byte("\n"))
	runtime.ReadMemStats(&after)
	if len(got) != 1 || len(got[0]) != n {
		t.Fatalf("got %d lines (first %d bytes), want one of %d", len(got), len(got[0]), n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Fatalf("%d bytes allocated for a %d-byte line fed a byte at a time", alloc, n)
	}
}

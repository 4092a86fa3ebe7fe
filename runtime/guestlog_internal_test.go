package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

func TestDecodeLogAttrsCapsAndKeepsOrder(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteByte('{')
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%03d":%d`, i, i)
	}
	b.WriteString(`}`)
	attrs, err := decodeLogAttrs([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != maxLogAttrs+1 {
		t.Fatalf("%d attributes, want %d and a count of the dropped", len(attrs), maxLogAttrs+1)
	}
	if attrs[0].Key != "k000" || attrs[63].Key != "k063" || attrs[64].Key != "dropped_attrs" || attrs[64].Value.String() != "936" {
		t.Errorf("got %v ... %v %v", attrs[0], attrs[63], attrs[64])
	}
	attrs, err = decodeLogAttrs([]byte(`{"s":"text","n":1.5,"o":{"a": [1, 2]},"b":true}`))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(attrs)
	if got != `[s=text n=1.5 o={"a":[1,2]} b=true]` {
		t.Errorf("got %s", got)
	}
	for _, bad := range []string{`[]`, `"x"`, `{"a":1}{}`, `{"a":}`, `1`} {
		if _, err := decodeLogAttrs([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestClipUTF8CutsAtARuneBoundary(t *testing.T) {
	t.Parallel()
	s := []byte(strings.Repeat("é", 10)) // 2 bytes each
	if got := clipUTF8(s, 5); string(got) != "éé" {
		t.Errorf("got %q", got)
	}
	if got := clipAuditField(strings.Repeat("a", 300)); len(got) > maxAuditField+20 || !strings.HasSuffix(got, "...(300 bytes)") {
		t.Errorf("got %q", got)
	}
}

// FuzzDecodeLogAttrs: the attribute decoder accepts exactly the JSON
// objects encoding/json accepts, decodes them as the encoding/json decoder
// it replaced did (refDecodeLogAttrs), keeps at most maxLogAttrs (plus the
// count), and never panics.
func FuzzDecodeLogAttrs(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":{"b":[1,2,{"c":null}]},"d":1e308}`, `{"a":1,"a":2}`, `[1]`, `{"a":"\ud800"}`, ` {"x" : "y"} `, `{"a":1}x`,
		`{"a":"\u00e9\n"}`, `{ "a" : [ 1 , { "b" : "c d" } ] , "e" : -0.5e+3 }`, `{"t":true,"f":false,"n":null}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		attrs, err := decodeLogAttrs(raw)
		ref, referr := refDecodeLogAttrs(raw)
		if (err == nil) != (referr == nil) || fmt.Sprint(attrs) != fmt.Sprint(ref) {
			t.Fatalf("%q: decodeLogAttrs %v (err %v), the encoding/json decoder %v (err %v)", raw, attrs, err, ref, referr)
		}
		var m map[string]any
		jerr := json.Unmarshal(raw, &m)
		if len(raw) == 0 {
			return
		}
		isObject := jerr == nil && m != nil
		if (err == nil) != isObject {
			t.Fatalf("%q: decodeLogAttrs err %v, encoding/json object %v (err %v)", raw, err, isObject, jerr)
		}
		if len(attrs) > maxLogAttrs+1 {
			t.Fatalf("%d attributes", len(attrs))
		}
		for _, a := range attrs {
			if !utf8.ValidString(a.Key) && len(a.Key) > len(raw) {
				t.Fatalf("key %q out of nowhere", a.Key)
			}
		}
	})
}

func placeholderEnvelope(names, repeat int) []byte {
	var b strings.Builder
	b.WriteString(`{"url":"https://example.com/?`)
	for r := range repeat {
		for i := range names {
			fmt.Fprintf(&b, "s%d_%d={{secret:S%d}}&", r, i, i)
		}
	}
	b.WriteString(`"}`)
	return []byte(b.String())
}

// TestPlaceholderCaps: a request names at most 32 distinct secrets in at
// most 1024 placeholders; beyond, one error, found without collecting the
// rest (80,000 names took the quadratic deduplication seconds).
func TestPlaceholderCaps(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		names, repeat int
		want          string
	}{
		{80000, 1, "more than 1024 {{secret:...}} placeholders"},
		{33, 1, "at most 32 distinct secrets"},
		{32, 33, "more than 1024"},
		{32, 32, ""},
	} {
		plan, err := parseFetchRequest(placeholderEnvelope(c.names, c.repeat), defaultMaxRequest)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%d names × %d: %v", c.names, c.repeat, err)
		case c.want == "" && len(plan.Names()) != 32:
			t.Errorf("%d distinct names, want 32", len(plan.Names()))
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%d names × %d: err %v, want %q", c.names, c.repeat, err, c.want)
		}
	}
}

// errLogAttrs is a log call's attributes that are not one JSON object.
var errLogAttrs = errors.New("log attributes: want one JSON object")

// decodeLogAttrs is what the log host function does with a call's
// attributes: refused unless one JSON object, then decoded.
func decodeLogAttrs(raw []byte) ([]slog.Attr, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if !isLogAttrs(raw) {
		return nil, errLogAttrs
	}
	return decodeCheckedLogAttrs(raw), nil
}

// refDecodeLogAttrs is decodeLogAttrs as it was written with
// encoding/json's Decoder: the reference FuzzDecodeLogAttrs holds the
// hand-written decoder to.
func refDecodeLogAttrs(raw []byte) ([]slog.Attr, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, errLogAttrs
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errLogAttrs
	}
	var attrs []slog.Attr
	dropped := 0
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errLogAttrs
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errLogAttrs
		}
		if len(attrs) >= maxLogAttrs {
			dropped++
			continue
		}
		var s string
		if len(v) > 0 && v[0] == '"' {
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, errLogAttrs
			}
		} else {
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, errLogAttrs
			}
			s = buf.String()
		}
		attrs = append(attrs, slog.String(key, s))
	}
	if _, err := dec.Token(); err != nil {
		return nil, errLogAttrs
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errLogAttrs
	}
	if dropped > 0 {
		attrs = append(attrs, slog.String("dropped_attrs", strconv.Itoa(dropped)))
	}
	return attrs, nil
}

func BenchmarkDecodeLogAttrs(b *testing.B) {
	raw := []byte(`{"profile":"p42","module":"whoami","key_sha256":"0123456789abcdef0123456789abcdef","n":3,"nested":{"a": [1, 2]}}`)
	for _, c := range []struct {
		name string
		fn   func([]byte) ([]slog.Attr, error)
	}{{"jsonlex", decodeLogAttrs}, {"encoding-json", refDecodeLogAttrs}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.fn(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGuestLogBelowTheHostLevel: a guest record below the host log's level
// is charged to the call's budget like any other, and is neither decoded
// nor written; attributes that are not one JSON object are refused at any
// level.
func TestGuestLogBelowTheHostLevel(t *testing.T) {
	var out bytes.Buffer
	b := &binding{
		log:     slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})),
		call:    &callState{},
		limits:  Limits{MaxLog: 1 << 20},
		learned: &redact.Set{},
	}
	attrs := []byte(`{"k":"v"}`)
	if code := b.guestLogCall(slog.LevelInfo, []byte("quiet"), attrs); code != 0 {
		t.Fatalf("an info record answered %d", code)
	}
	if out.Len() != 0 {
		t.Fatalf("an info record reached a warn-level log: %s", out.String())
	}
	if want := uint64(len("quiet") + len(attrs) + logRecordCost); b.call.logBytes != want {
		t.Fatalf("the info record charged %d bytes, want %d", b.call.logBytes, want)
	}
	for _, bad := range []string{`[1]`, `"x"`, ` 1`, `{"a":}`} {
		for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
			if code := b.guestLogCall(level, []byte("m"), []byte(bad)); code != abi.ErrInvalid {
				t.Errorf("attributes %s at %v: code %d, want ErrInvalid", bad, level, code)
			}
		}
	}
	if code := b.guestLogCall(slog.LevelWarn, []byte("loud"), attrs); code != 0 || !strings.Contains(out.String(), "guest.k=v") {
		t.Fatalf("a warn record: code %d, log %q", code, out.String())
	}
}

package runtime

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
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
// objects encoding/json accepts, keeps at most maxLogAttrs (plus the
// count), and never panics.
func FuzzDecodeLogAttrs(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":{"b":[1,2,{"c":null}]},"d":1e308}`, `{"a":1,"a":2}`, `[1]`, `{"a":"\ud800"}`, ` {"x" : "y"} `, `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		attrs, err := decodeLogAttrs(raw)
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

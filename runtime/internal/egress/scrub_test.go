package egress

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// TestScrubbedBodyNeverHoldsPartOfAValue places a value at every offset
// around the cut, after values that shrink when replaced (so the scrubbed
// text pulls bytes from past the cut forward), and checks no prefix of it
// of 4 bytes or more survives.
func TestScrubbedBodyNeverHoldsPartOfAValue(t *testing.T) {
	const val = "sk-long-secret-value-0123456789abcdefghij" // 40 bytes, replaced by a 16-byte marker
	sc := NewScrubber(redact.NewSet(map[string]string{"K": val, "Q": "a+b/c=d&e"}))
	const limit = 256
	for shrink := 0; shrink <= 6; shrink++ {
		for off := limit - len(val) - 2; off <= limit+sc.maxLen+2; off++ {
			body := strings.Repeat(val, shrink)
			if off > len(body) {
				body += strings.Repeat("x", off-len(body))
			} else {
				continue
			}
			body += val + strings.Repeat("y", 100)
			out, truncated, err := ReadScrubbed(strings.NewReader(body), limit, sc)
			if err != nil {
				t.Fatal(err)
			}
			if !truncated || len(out) > limit {
				t.Fatalf("shrink %d off %d: truncated %v len %d", shrink, off, truncated, len(out))
			}
			for k := 4; k <= len(val); k++ {
				if bytes.Contains(out, []byte(val[:k])) {
					t.Fatalf("shrink %d off %d: the output holds %q", shrink, off, val[:k])
				}
			}
		}
	}
	// Other escapings of a value are scrubbed too.
	sc2 := NewScrubber(redact.NewSet(map[string]string{"Z": `a/b&"c"<d>`}))
	for _, form := range []string{`a/b&"c"<d>`, `a/b\u0026\"c\"\u003cd\u003e`, `a/b&\"c\"<d>`, `a\/b&\"c\"<d>`, url.QueryEscape(`a/b&"c"<d>`), url.PathEscape(`a/b&"c"<d>`)} {
		if got := sc2.Text("<" + form + ">"); got != "<[REDACTED]>" {
			t.Errorf("%s scrubbed to %s", form, got)
		}
	}
	// The query-escaped form is scrubbed too, and a short body is whole.
	out, truncated, _ := ReadScrubbed(strings.NewReader("q="+url.QueryEscape("a+b/c=d&e")+" "+val), limit, sc)
	if truncated || string(out) != "q=[REDACTED] [REDACTED]" {
		t.Errorf("got %q truncated %v", out, truncated)
	}
}

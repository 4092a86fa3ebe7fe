package egress

// Response scrubbing: every value the instance could have learned is
// replaced in the response headers and body, in every form a server may
// echo it in, including a value cut in part by the response size limit.

import (
	"bytes"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// Scrubber replaces, in response text, the values the instance could
// have learned (those it read and those substituted for it, this request's
// included) in every form a server may echo them in: raw, JSON-escaped as
// the common encoders write it, URL-escaped. The marker names no secret:
// the guest may pass the text on to a chat user.
type Scrubber struct {
	repl   *strings.Replacer
	forms  []string // every form of every value, for cutting a partial tail
	maxLen int
}

// NewScrubber returns a Scrubber of the values in set (taken now: values
// learned later are not scrubbed by it).
func NewScrubber(set *redact.Set) *Scrubber {
	sc := &Scrubber{}
	var args []string
	for _, v := range set.Values() {
		forms := append([]string{v}, redact.JSONForms(v)...)
		for _, esc := range []string{url.QueryEscape(v), url.PathEscape(v)} {
			if !slices.Contains(forms, esc) {
				forms = append(forms, esc)
			}
		}
		sc.forms = append(sc.forms, forms...)
	}
	// Longest first: at one position the replacer takes the first match.
	slices.SortStableFunc(sc.forms, func(a, b string) int { return len(b) - len(a) })
	for _, f := range sc.forms {
		sc.maxLen = max(sc.maxLen, len(f))
		args = append(args, f, redact.Marker)
	}
	if len(args) > 0 {
		sc.repl = strings.NewReplacer(args...)
	}
	return sc
}

// Text returns s with every form of every value replaced by the marker.
func (sc *Scrubber) Text(s string) string {
	if sc.repl != nil {
		s = sc.repl.Replace(s)
	}
	return s
}

// cutPartial drops a tail of b that is a proper prefix of a value's form:
// when a body is cut, a value straddling the cut must not survive in part.
func (sc *Scrubber) cutPartial(b []byte) []byte {
	cut := 0
	for _, f := range sc.forms {
		for k := min(len(f)-1, len(b)); k > cut; k-- {
			if bytes.HasSuffix(b, []byte(f[:k])) {
				cut = k
				break
			}
		}
	}
	return b[:len(b)-cut]
}

// ReadScrubbed reads at most limit bytes of body for the guest, scrubbed.
// It reads up to the longest value form past the limit, so that a value
// that starts before the cut is seen whole and replaced.
func ReadScrubbed(body io.Reader, limit uint64, sc *Scrubber) ([]byte, bool, error) {
	want := int64(limit) + int64(sc.maxLen)
	buf, err := io.ReadAll(io.LimitReader(body, want+1))
	if err != nil {
		return nil, false, err
	}
	truncated := int64(len(buf)) > want
	if truncated {
		buf = sc.cutPartial(buf[:want])
	}
	out := []byte(sc.Text(string(buf)))
	if uint64(len(out)) > limit {
		out, truncated = out[:limit], true
	}
	return out, truncated, nil
}

// Package redact scrubs secret values out of text and JSON without turning
// the scrubbing into an oracle or breaking what it scrubs.
//
// The rule (docs/security.md, "Redaction"):
//   - only values worth scrubbing are ever scrubbed (Worth): at least
//     MinLen bytes, not a boolean, not a short number, not a plain word,
//     not of too little entropy. Scrubbing "true" or "2024" would break
//     output and tell a user which guess was right;
//   - callers scrub only the values the text's author could have learned
//     (a Set holds those), so text a user sent that contains a value the
//     guest never read comes back as sent;
//   - JSON stays JSON: values are scrubbed inside string tokens only;
//   - replies carry the bare Marker; the secret's name appears only in
//     operator-facing text (NamedMarker).
package redact

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// Marker replaces a secret value in anything that may reach a chat user.
const Marker = "[REDACTED]"

// NamedMarker is the operator-facing marker for the secret called name.
func NamedMarker(name string) string { return "[REDACTED:" + name + "]" }

// MinLen is the shortest value worth scrubbing, in bytes.
const MinLen = 8

// MinEntropyBits is the least estimated entropy (Shannon, over the value's
// own characters, times its length) of a value worth scrubbing.
const MinEntropyBits = 20

// maxNumberDigits: a plain number with fewer digits is a setting (a port,
// a year, a PIN, a timestamp), never scrubbed.
const maxNumberDigits = 12

// maxWordLen: a run of letters in one case pattern up to this long is a
// word (or a name), never scrubbed.
const maxWordLen = 20

var booleans = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"enabled": true, "disabled": true, "enable": true, "disable": true,
	"null": true, "none": true, "nil": true, "undefined": true,
}

// Worth reports whether v is worth scrubbing at all: a value that fails it
// is never scrubbed anywhere, because scrubbing it would corrupt ordinary
// text and confirm guesses without protecting anything.
func Worth(v string) bool {
	t := strings.TrimSpace(v)
	switch {
	case len(t) < MinLen, t != v && len(v) < MinLen:
		return false
	case booleans[strings.ToLower(t)]:
		return false
	case shortNumber(t), word(t):
		return false
	}
	return entropyBits(t) >= MinEntropyBits
}

// shortNumber: [+-]digits[.digits] with fewer than maxNumberDigits digits.
func shortNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == '_' || c == ',':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && digits < maxNumberDigits
}

// word: letters only (inner ' or - allowed), all lower case, all upper case
// or capitalised, at most maxWordLen letters.
func word(s string) bool {
	n, upper, lower, upperAfterFirst := 0, 0, 0, false
	prevSep := true
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
			n++
			if unicode.IsUpper(r) {
				upper++
				if i > 0 {
					upperAfterFirst = true
				}
			} else {
				lower++
			}
			prevSep = false
		case (r == '-' || r == '\'') && !prevSep && i < len(s)-1:
			prevSep = true
		default:
			return false
		}
	}
	if n == 0 || n > maxWordLen {
		return false
	}
	return upper == 0 || lower == 0 || !upperAfterFirst
}

func entropyBits(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h * float64(n)
}

// Mode chooses the marker.
type Mode int

// Modes of scrubbing.
const (
	// Anonymous replaces values with Marker: for anything a user may see
	// (outputs, replies, errors).
	Anonymous Mode = iota
	// Named replaces values with NamedMarker: for operator logs and audit
	// records only.
	Named
)

// Set is a set of named secret values to scrub; safe for concurrent use.
// Its zero value is empty and ready.
type Set struct {
	mu      sync.Mutex
	byValue map[string]string // value -> name (the first by name)
	n       atomic.Int64      // len(byValue), read without the lock
	repl    [2]*strings.Replacer
	raw     [2]*strings.Replacer
	// match finds the values (match[0]) or the values and their JSON
	// forms (match[1]) in one pass; nil: stale. Read without the lock (a
	// matcher never changes once built), written with it.
	match [2]atomic.Pointer[matcher]
}

// matcher returns the set's matcher of its values, and of their JSON forms
// too when forms is set.
func (s *Set) matcher(forms bool) *matcher {
	i := 0
	if forms {
		i = 1
	}
	if m := s.match[i].Load(); m != nil {
		return m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.match[i].Load() == nil {
		patterns := make([]string, 0, len(s.byValue))
		for v := range s.byValue {
			patterns = append(patterns, v)
			if forms {
				patterns = append(patterns, JSONForms(v)...)
			}
		}
		s.match[i].Store(newMatcher(patterns))
	}
	return s.match[i].Load()
}

// NewSet returns a set of the values of m (name -> value) worth scrubbing.
func NewSet(m map[string]string) *Set {
	s := &Set{}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s.Add(n, m[n])
	}
	return s
}

// Add adds value under name when it is worth scrubbing; it reports whether
// the set holds it now.
func (s *Set) Add(name, value string) bool {
	s.mu.Lock()
	old, ok := s.byValue[value]
	s.mu.Unlock()
	if ok && old <= name {
		return true // held already (so worth it): a value read again costs no Worth
	}
	if !Worth(value) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byValue == nil {
		s.byValue = map[string]string{}
	}
	if old, ok := s.byValue[value]; ok && old <= name {
		return true
	}
	s.byValue[value] = name
	s.n.Store(int64(len(s.byValue)))
	s.repl, s.raw = [2]*strings.Replacer{}, [2]*strings.Replacer{}
	s.match[0].Store(nil)
	s.match[1].Store(nil)
	return true
}

// Len returns the number of values in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return int(s.n.Load())
}

// Has reports whether value is in the set.
func (s *Set) Has(value string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byValue[value]
	return ok
}

// Values returns the values of the set, longest first.
func (s *Set) Values() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byValue))
	for v := range s.byValue {
		out = append(out, v)
	}
	sortLongestFirst(out)
	return out
}

func sortLongestFirst(vs []string) {
	sort.Slice(vs, func(i, j int) bool {
		if len(vs[i]) != len(vs[j]) {
			return len(vs[i]) > len(vs[j])
		}
		return vs[i] < vs[j]
	})
}

func (s *Set) marker(m Mode, value string) string {
	if m == Named {
		return NamedMarker(s.byValue[value])
	}
	return Marker
}

// replacer returns the replacer of mode m; forms adds the JSON-escaped
// forms of each value (for text that may hold JSON).
func (s *Set) replacer(m Mode, forms bool) *strings.Replacer {
	s.mu.Lock()
	defer s.mu.Unlock()
	cache := &s.raw
	if forms {
		cache = &s.repl
	}
	if r := cache[m]; r != nil {
		return r
	}
	values := make([]string, 0, len(s.byValue))
	for v := range s.byValue {
		values = append(values, v)
	}
	sortLongestFirst(values)
	var args []string
	seen := map[string]bool{}
	for _, v := range values {
		mark := s.marker(m, v)
		add := func(f string) {
			if f != "" && !seen[f] {
				seen[f] = true
				args = append(args, f, mark)
			}
		}
		add(v)
		if forms {
			for _, f := range JSONForms(v) {
				add(f)
			}
		}
	}
	cache[m] = strings.NewReplacer(args...)
	return cache[m]
}

// JSONForms returns the ways JSON encoders write v inside a string (HTML
// escaped as Go does, plain, and with "\/" as PHP does), without quotes,
// other than v itself.
func JSONForms(v string) []string {
	var out []string
	add := func(f string) {
		if f != v && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	j, _ := json.Marshal(v)
	add(string(j[1 : len(j)-1]))
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	p := strings.TrimSuffix(plain.String(), "\n")
	p = p[1 : len(p)-1]
	add(p)
	add(strings.ReplaceAll(p, "/", `\/`))
	return out
}

// Text replaces every value of the set in text (raw or JSON-escaped) with
// the marker of mode m. Use it for text that is not JSON: log lines, error
// messages.
func (s *Set) Text(text string, m Mode) string {
	if s.Len() == 0 || text == "" || !s.matcher(true).inString(text) {
		return text // nothing to replace: no allocation
	}
	return s.replacer(m, true).Replace(text)
}

// Output scrubs b: when b is valid JSON, values are replaced inside its
// string tokens only (decoded, scrubbed, re-encoded), so the result is
// valid JSON; otherwise as Text.
func (s *Set) Output(b []byte, m Mode) []byte {
	if s.Len() == 0 || len(b) == 0 {
		return b
	}
	out, _ := s.OutputValid(b, m)
	return out
}

// OutputValid is Output that also reports whether what it returns is
// valid JSON, so that a caller who needs both checks the output once: b
// is validated once, and the result again only when b was not valid JSON
// and something was replaced in it.
func (s *Set) OutputValid(b []byte, m Mode) ([]byte, bool) {
	valid := jsonlex.ValidBytes(b)
	if s.Len() == 0 || len(b) == 0 {
		return b, valid
	}
	if valid {
		return s.jsonStrings(b, m), true // jsonStrings keeps JSON valid
	}
	if !s.matcher(true).in(b) {
		return b, false // nothing to replace
	}
	out := []byte(s.replacer(m, true).Replace(string(b)))
	return out, jsonlex.ValidBytes(out)
}

// jsonStrings rewrites the string tokens of valid JSON b that hold a value.
func (s *Set) jsonStrings(b []byte, m Mode) []byte {
	values := s.matcher(false)
	has := values.in
	escaped := bytes.IndexByte(b, '\\') >= 0
	if !escaped && !has(b) {
		return b // no escapes: every string's text is in b as is
	}
	var r *strings.Replacer
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := stringEnd(b, i)
		tok := b[i : end+1]
		var str string
		if bytes.IndexByte(tok, '\\') < 0 && utf8.Valid(tok) {
			if !has(tok) {
				i = end
				continue
			}
			str = string(tok[1 : len(tok)-1]) // no escapes: the token is its text
		} else if d, ok := decodeString(tok); ok {
			str = d
		} else {
			i = end
			continue
		}
		if !values.inString(str) {
			i = end
			continue
		}
		if r == nil {
			r = s.replacer(m, false)
		}
		if scrubbed := r.Replace(str); scrubbed != str {
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[last:i]...)
			out = appendJSONString(out, scrubbed)
			last = end + 1
		}
		i = end
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func decodeString(tok []byte) (string, bool) {
	var s string
	err := json.Unmarshal(tok, &s)
	return s, err == nil
}

// stringEnd returns the index of the quote closing the string token that
// starts at b[start] (b is valid JSON).
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b) - 1
}

func appendJSONString(out []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// Anonymize replaces every named marker in s ("[REDACTED:NAME]") with the
// bare Marker: for operator text that is about to reach a user.
func Anonymize(s string) string {
	const open = "[REDACTED:"
	if !strings.Contains(s, open) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, open)
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+len(open):], ']')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(Marker)
		s = s[i+len(open)+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

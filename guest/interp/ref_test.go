package interp

// The implementation this package had before its single-pass scanner: a
// walker on encoding/json's tokenizer. It is kept here as the reference of
// the differential fuzz target FuzzScannerMatchesReference.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
)

// Resolve walks one server entry (JSON) and returns it with every
// reference in its string leaves resolved through lookup, and the
// references it found, in document order. Object keys keep their order and
// spelling; numbers keep their literal text.
func refResolve(entry []byte, lookup Lookup) (abi.InterpolateResult, error) {
	dec := json.NewDecoder(bytes.NewReader(entry))
	dec.UseNumber()
	w := &refWalker{dec: dec, lookup: lookup, cache: map[string]refCached{}}
	if err := w.value("", 0); err != nil {
		return abi.InterpolateResult{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return abi.InterpolateResult{}, errors.New("entry: trailing data after the JSON value")
	}
	return abi.InterpolateResult{Entry: w.out, Refs: w.refs}, nil
}

type refCached struct {
	value string
	found bool
}

type refWalker struct {
	dec    *json.Decoder
	lookup Lookup
	cache  map[string]refCached
	out    []byte
	refs   []abi.Reference
}

func (w *refWalker) value(path string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("entry: nested deeper than %d levels", maxDepth)
	}
	tok, err := w.dec.Token()
	if err != nil {
		return fmt.Errorf("entry: %w", err)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			w.out = append(w.out, '{')
			for i := 0; w.dec.More(); i++ {
				kt, err := w.dec.Token()
				if err != nil {
					return fmt.Errorf("entry: %w", err)
				}
				key, _ := kt.(string)
				if i > 0 {
					w.out = append(w.out, ',')
				}
				w.out = refAppendString(w.out, key)
				w.out = append(w.out, ':')
				if err := w.value(joinKey(path, key), depth+1); err != nil {
					return err
				}
			}
			w.out = append(w.out, '}')
		case '[':
			w.out = append(w.out, '[')
			for i := 0; w.dec.More(); i++ {
				if i > 0 {
					w.out = append(w.out, ',')
				}
				if err := w.value(joinIndex(path, i), depth+1); err != nil {
					return err
				}
			}
			w.out = append(w.out, ']')
		}
		if _, err := w.dec.Token(); err != nil { // the closing delimiter
			return fmt.Errorf("entry: %w", err)
		}
	case string:
		s, err := w.interpolate(path, v)
		if err != nil {
			return err
		}
		w.out = refAppendString(w.out, s)
	case json.Number:
		w.out = append(w.out, v...)
	case bool:
		w.out = strconv.AppendBool(w.out, v)
	case nil:
		w.out = append(w.out, "null"...)
	}
	return nil
}

// interpolate resolves the references of one string leaf, left to right,
// in one pass.
func (w *refWalker) interpolate(path, s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start+2:], '}')
		if end < 0 {
			break // no closing brace: the rest is literal
		}
		end += start + 2
		literal := s[start : end+1]
		b.WriteString(s[:start])
		s = s[end+1:]
		name := refName(literal[2 : len(literal)-1])
		if !validName(name) {
			w.refs = append(w.refs, abi.Reference{Path: path, Outcome: abi.RefUnsupported, Literal: literal})
			b.WriteString(literal)
			continue
		}
		c, ok := w.cache[name]
		if !ok {
			v, found, err := w.lookup(name)
			if err != nil {
				return "", fmt.Errorf("%s: %w", path, err)
			}
			c = refCached{v, found && v != ""}
			w.cache[name] = c
		}
		if !c.found {
			w.refs = append(w.refs, abi.Reference{Path: path, Name: name, Outcome: abi.RefUnset, Literal: literal})
			b.WriteString(literal)
			continue
		}
		w.refs = append(w.refs, abi.Reference{Path: path, Name: name, Outcome: abi.RefResolved})
		b.WriteString(c.value)
	}
	b.WriteString(s)
	return b.String(), nil
}

// appendString appends s as a JSON string, without HTML escaping; invalid
// UTF-8 becomes U+FFFD.
func refAppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(b, '"')
}

// Serve runs what wasmgw_interpolate runs on the bytes of an
// [abi.InterpolateRequest], with lookup in place of the host: it returns
// the [abi.InterpolateResult] JSON. A request that is not valid, or whose
// entry is not an object, is a *guest.Error with code "bad_input".
func refServe(in []byte, lookup Lookup) ([]byte, error) {
	var req abi.InterpolateRequest
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, &guest.Error{Code: "bad_input", Message: "request: " + err.Error()}
	}
	if t := bytes.TrimSpace(req.Entry); len(t) == 0 || t[0] != '{' {
		return nil, &guest.Error{Code: "bad_input", Message: fmt.Sprintf("server %q: the entry is not an object", req.Server)}
	}
	res, err := refResolve(req.Entry, lookup)
	if err != nil {
		return nil, &guest.Error{Code: "interpolate_failed", Message: fmt.Sprintf("server %q: %v", req.Server, err)}
	}
	return json.Marshal(res)
}

// joinKey returns the field path of key inside path: "env.TOKEN", or
// `headers["X.Api Key"]` (a JSON string in brackets) for a key that is not
// made of [A-Za-z0-9_-] only.
func joinKey(path, key string) string {
	if simpleKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + string(appendString(nil, key)) + "]"
}

// joinIndex returns the field path of list item i inside path: "args[2]".
func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// refName returns the variable name of a reference body (the text between
// "${" and "}"): trimmed, with an "env:" prefix removed. It is what the
// walker did before it recorded names as spans (refSpan, held to it by
// FuzzRefSpan).
func refName(body string) string {
	if body != "" && plainEdge(body[0]) && plainEdge(body[len(body)-1]) && !strings.HasPrefix(body, "env:") {
		return body // nothing to trim or remove: the common case
	}
	name := strings.TrimSpace(body)
	if rest, ok := strings.CutPrefix(name, "env:"); ok {
		name = strings.TrimSpace(rest)
	}
	return name
}

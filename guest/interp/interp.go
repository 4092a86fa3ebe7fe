// Package interp is the guest side of MCP server interpolation: the
// wasmgw_interpolate export of an interpolation module (see package abi) and
// the walker it runs.
//
// The walker resolves ${NAME} and ${env:NAME} references in the string
// leaves of one server entry: the body is trimmed and an "env:" prefix
// removed; map keys are never touched; lists and maps are recursed; numbers,
// booleans and null are copied as written. It is one pass: a resolved value
// that itself contains ${...} is not expanded again. A missing or empty
// variable keeps the reference as written and is reported by field path; a
// body that is not a plain variable name (a shell form such as ${NAME:-x},
// or ${}) is kept and reported as unsupported.
//
// A module that imports this package (guest/modules/interpolate, embedded as
// builtin:interpolate) exports wasmgw_interpolate and reads every variable
// with [guest.Secret], so each read is granted, denied and audited by the
// host. Built for any other platform the package compiles, so that the
// walker is unit-tested and fuzzed natively; only the export is wasip1-only.
package interp

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

// Lookup returns the value of one variable. found is false for a variable
// the walker must treat as unset (not found, or not granted); a non-nil
// error stops the walk (the host refused the call for another reason).
type Lookup func(name string) (value string, found bool, err error)

// SecretLookup is the Lookup of a module running in a wasmgw host: the
// profile's secrets through [guest.Secret]. A name the profile lacks or the
// module was not granted is unset; any other host error stops the walk.
func SecretLookup(name string) (string, bool, error) {
	v, err := guest.Secret(name)
	switch {
	case err == nil:
		return v, true, nil
	case errors.Is(err, guest.ErrNotFound), errors.Is(err, guest.ErrDenied):
		return "", false, nil
	}
	return "", false, err
}

// maxDepth bounds the nesting of an entry the walker accepts; server
// entries are a few levels deep.
const maxDepth = 64

// Resolve walks one server entry (JSON) and returns it with every
// reference in its string leaves resolved through lookup, and the
// references it found, in document order. Object keys keep their order and
// spelling; numbers keep their literal text.
func Resolve(entry []byte, lookup Lookup) (abi.InterpolateResult, error) {
	dec := json.NewDecoder(bytes.NewReader(entry))
	dec.UseNumber()
	w := &walker{dec: dec, lookup: lookup, cache: map[string]cached{}}
	if err := w.value("", 0); err != nil {
		return abi.InterpolateResult{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return abi.InterpolateResult{}, errors.New("entry: trailing data after the JSON value")
	}
	return abi.InterpolateResult{Entry: w.out, Refs: w.refs}, nil
}

type cached struct {
	value string
	found bool
}

type walker struct {
	dec    *json.Decoder
	lookup Lookup
	cache  map[string]cached
	out    []byte
	refs   []abi.Reference
}

func (w *walker) value(path string, depth int) error {
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
				w.out = appendString(w.out, key)
				w.out = append(w.out, ':')
				if err := w.value(JoinKey(path, key), depth+1); err != nil {
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
				if err := w.value(JoinIndex(path, i), depth+1); err != nil {
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
		w.out = appendString(w.out, s)
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
func (w *walker) interpolate(path, s string) (string, error) {
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
		name := RefName(literal[2 : len(literal)-1])
		if !ValidName(name) {
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
			c = cached{v, found && v != ""}
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

// RefName returns the variable name of a reference body (the text between
// "${" and "}"): trimmed, with an "env:" prefix removed.
func RefName(body string) string {
	name := strings.TrimSpace(body)
	if rest, ok := strings.CutPrefix(name, "env:"); ok {
		name = strings.TrimSpace(rest)
	}
	return name
}

// ValidName reports whether name is a variable name wasmgw resolves:
// [A-Za-z_][A-Za-z0-9_.-]*, at most abi.MaxNameLen bytes (the host's
// secret-name rule).
func ValidName(name string) bool {
	if name == "" || len(name) > abi.MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// JoinKey returns the field path of key inside path: "env.TOKEN", or
// `headers["X.Api Key"]` (a JSON string in brackets) for a key that is not
// made of [A-Za-z0-9_-] only.
func JoinKey(path, key string) string {
	if simpleKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + string(appendString(nil, key)) + "]"
}

// JoinIndex returns the field path of list item i inside path: "args[2]".
func JoinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func simpleKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// appendString appends s as a JSON string, without HTML escaping; invalid
// UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
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
func Serve(in []byte, lookup Lookup) ([]byte, error) {
	var req abi.InterpolateRequest
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, &guest.Error{Code: "bad_input", Message: "request: " + err.Error()}
	}
	if t := bytes.TrimSpace(req.Entry); len(t) == 0 || t[0] != '{' {
		return nil, &guest.Error{Code: "bad_input", Message: fmt.Sprintf("server %q: the entry is not an object", req.Server)}
	}
	res, err := Resolve(req.Entry, lookup)
	if err != nil {
		return nil, &guest.Error{Code: "interpolate_failed", Message: fmt.Sprintf("server %q: %v", req.Server, err)}
	}
	return json.Marshal(res)
}

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
// host. The export keeps its state between calls as a [Server] does: its
// buffers, wiped after each call, and the scans of the last few requests
// with the plans of their answers (never a value looked up), so that an
// entry it has seen before is answered by looking its variables up and
// filling them in, without being walked again. Built for any other
// platform the package compiles, so that the walker is unit-tested and
// fuzzed natively; only the export is wasip1-only.
package interp

import (
	"errors"
	"strings"
	"unicode"
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

// refSpan returns where the variable name of a reference body (the text
// between "${" and "}") is in it, body[i:j]: the body trimmed, and an
// "env:" prefix removed and what follows it trimmed again.
func refSpan(body string) (i, j int) {
	if body != "" && plainEdge(body[0]) && plainEdge(body[len(body)-1]) && !strings.HasPrefix(body, "env:") {
		return 0, len(body)
	}
	i, j = trimSpan(body, 0, len(body))
	if strings.HasPrefix(body[i:j], "env:") {
		i, j = trimSpan(body, i+len("env:"), j)
	}
	return i, j
}

// trimSpan is strings.TrimSpace on s[i:j], as the span of s it leaves.
func trimSpan(s string, i, j int) (int, int) {
	t := strings.TrimLeftFunc(s[i:j], unicode.IsSpace)
	i = j - len(t)
	return i, i + len(strings.TrimRightFunc(t, unicode.IsSpace))
}

// plainEdge reports whether c, at an end of a body, is sure not to be
// trimmed: ASCII above the space.
func plainEdge(c byte) bool { return ' ' < c && c < utf8.RuneSelf }

// Character classes of names and keys.
const (
	classStart = 1 << iota // [A-Za-z_]: may start a variable name
	className              // [A-Za-z0-9_.-]: may be in a variable name
	classKey               // [A-Za-z0-9_-]: may be in a simple key
)

var classes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		digit := '0' <= c && c <= '9'
		if letter {
			t[c] |= classStart
		}
		if letter || digit || c == '.' || c == '-' {
			t[c] |= className
		}
		if letter || digit || c == '-' {
			t[c] |= classKey
		}
	}
	return t
}()

// allOf reports whether every byte of s is of class k.
func allOf(s string, k uint8) bool {
	for i := 0; i < len(s); i++ {
		if classes[s[i]]&k == 0 {
			return false
		}
	}
	return true
}

// validName reports whether name is a variable name wasmgw resolves:
// [A-Za-z_][A-Za-z0-9_.-]*, at most abi.MaxNameLen bytes (the host's
// secret-name rule).
func validName(name string) bool {
	return name != "" && len(name) <= abi.MaxNameLen && classes[name[0]]&classStart != 0 && allOf(name, className)
}

func simpleKey(k string) bool {
	return k != "" && allOf(k, classKey)
}

package interp

// The entry points of the walker: Resolve and Serve, the state one call
// works with (kept warm by the wasm export and wiped after each call), and
// the writing of the InterpolateResult JSON from what the walk found.

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
)

// Resolve walks one server entry (JSON) and returns it with every
// reference in its string leaves resolved through lookup, and the
// references it found, in document order. Object keys keep their order and
// spelling; numbers keep their literal text; the entry is returned
// compact, each string re-encoded as JSON without HTML escaping (invalid
// UTF-8 becomes U+FFFD). lookup is called only once the whole entry is
// known to be valid JSON, once per name.
func Resolve(entry []byte, lookup Lookup) (abi.InterpolateResult, error) {
	st := &state{}
	st.reset(string(entry), lookup, nil)
	sc := &st.sc
	sc.skipSpace()
	start := sc.i
	if err := sc.value(); err != nil {
		return abi.InterpolateResult{}, fmt.Errorf("entry: %w", err)
	}
	end := sc.i
	sc.skipSpace()
	if sc.i != len(sc.s) {
		return abi.InterpolateResult{}, fmt.Errorf("entry: trailing data after the JSON value")
	}
	out, err := st.r.resolve(make([]byte, 0, outCap(end-start)), sc, start, end)
	if err != nil {
		return abi.InterpolateResult{}, err
	}
	var refs []abi.Reference
	if len(st.r.refs) > 0 {
		paths := string(sc.paths) // one string for every path
		refs = make([]abi.Reference, len(st.r.refs))
		for i, r := range st.r.refs {
			refs[i] = abi.Reference{Path: paths[r.path[0]:r.path[1]], Name: r.name, Outcome: r.outcome, Literal: r.literal}
		}
	}
	return abi.InterpolateResult{Entry: out, Refs: refs}, nil
}

// Serve runs what wasmgw_interpolate runs on the bytes of an
// [abi.InterpolateRequest], with lookup in place of the host: it returns
// the [abi.InterpolateResult] JSON. A request that is not valid JSON, holds
// a field other than server and entry, or whose entry is not an object, is
// a *guest.Error with code "bad_input"; lookup is not called for it.
func Serve(in []byte, lookup Lookup) ([]byte, error) {
	st := &state{}
	return st.serve(string(in), lookup, nil)
}

// A Server is [Serve] for a caller that serves requests one after
// another, as the wasm export does: it keeps its buffers between calls and
// remembers the scans of the last few requests it served, so that a
// request served before is answered without being scanned or walked
// again (its variables are still looked up on every call, in the same
// order). The zero Server is ready to use; it serves one request at a
// time.
type Server struct{ st state }

// Serve is [Serve] on s's state. The answer is a copy, the caller's to
// keep; s's buffers are wiped before Serve returns.
func (s *Server) Serve(in []byte, lookup Lookup) ([]byte, error) {
	if s.st.memo == nil {
		s.st.memo = &memo{}
	}
	out, err := s.st.serve(string(in), lookup, nil)
	out = bytes.Clone(out)
	s.st.wipe()
	return out, err
}

// AppendLookup is a [Lookup] that appends the value to dst rather than
// returning a string (see [guest.AppendSecret]); on error or when not
// found it returns dst as it was.
type AppendLookup func(dst []byte, name string) (out []byte, found bool, err error)

// appendSecretLookup is SecretLookup appending to dst.
func appendSecretLookup(dst []byte, name string) ([]byte, bool, error) {
	out, err := guest.AppendSecret(dst, name)
	switch {
	case err == nil:
		return out, true, nil
	case errors.Is(err, guest.ErrNotFound), errors.Is(err, guest.ErrDenied):
		return dst, false, nil
	}
	return dst, false, err
}

// state is everything one call works with. The wasm export keeps one for
// the life of the instance, so that a call in a warm instance allocates
// nothing; its buffers are cleared after each call.
type state struct {
	sc  scanner
	r   resolver
	out []byte
	// memo, when not nil, keeps the scans of the last requests served
	// (the wasm export's state has one).
	memo *memo
}

// reset prepares st for a call on s.
func (st *state) reset(s string, lookup Lookup, appendLookup AppendLookup) {
	if st.sc.edits == nil { // first use: room for a usual entry
		st.sc.edits = make([]edit, 0, 16+len(s)/64)
		st.sc.stack = make([]frame, 0, 8)
		st.sc.paths = make([]byte, 0, 256)
		st.sc.parts = make([]part, 0, 64)
		st.r.cache = make([]cached, 0, 32)
		st.r.vals = make([]byte, 0, 1024)
		st.r.refs = make([]ref, 0, 32)
	}
	st.sc.reset(s)
	st.r.reset(lookup, appendLookup)
	st.out = st.out[:0]
}

// wipe zeroes what held values: the output, the values looked up and the
// interpolation buffer. The memo's scans hold none and are kept.
func (st *state) wipe() {
	clear(st.out[:cap(st.out)])
	clear(st.r.vals[:cap(st.r.vals)])
	clear(st.r.buf[:cap(st.r.buf)])
	st.out, st.r.vals, st.r.buf = st.out[:0], st.r.vals[:0], st.r.buf[:0]
	st.sc.s, st.r.lookup, st.r.appendLookup = "", nil, nil
	clear(st.r.cache[:cap(st.r.cache)])
	clear(st.r.refs[:cap(st.r.refs)])
	clear(st.sc.edits[:cap(st.sc.edits)])
	clear(st.sc.stack[:cap(st.sc.stack)])
}

// serve is Serve on a request held in s, answering in st.out.
func (st *state) serve(s string, lookup Lookup, appendLookup AppendLookup) ([]byte, error) {
	st.reset(s, lookup, appendLookup)
	sc, req, p, err := st.scan(s)
	if err != nil {
		return nil, &guest.Error{Code: "bad_input", Message: "request: " + err.Error()}
	}
	if req.start == req.end || s[req.start] != '{' {
		return nil, &guest.Error{Code: "bad_input", Message: fmt.Sprintf("server %q: the entry is not an object", req.server)}
	}
	out := st.out
	if cap(out) < outCap(req.end-req.start)+64 {
		out = make([]byte, 0, outCap(req.end-req.start)+64)
	}
	if p != nil {
		var done bool
		if out, done, err = p.answer(out, &st.r, sc); err != nil {
			return nil, &guest.Error{Code: "interpolate_failed", Message: fmt.Sprintf("server %q: %v", req.server, err)}
		}
		if done {
			st.out = out
			return out, nil
		}
	}
	out = append(out, `{"entry":`...)
	out, err = st.r.resolve(out, sc, req.start, req.end)
	if err != nil {
		return nil, &guest.Error{Code: "interpolate_failed", Message: fmt.Sprintf("server %q: %v", req.server, err)}
	}
	if len(st.r.refs) > 0 {
		out = append(out, `,"refs":[`...)
		for i, r := range st.r.refs {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, `{"path":"`...)
			out = appendPath(out, sc.paths[r.path[0]:r.path[1]], r.plainPath)
			if r.name != "" {
				// A name passed validName: nothing in it to escape.
				out = append(out, `","name":"`...)
				out = append(out, r.name...)
			}
			if r.outcome == abi.RefResolved && r.literal == "" {
				// The usual reference, its tail in one copy.
				out = append(out, `","outcome":"`+abi.RefResolved+`"}`...)
				continue
			}
			out = append(out, `","outcome":"`...)
			out = append(out, r.outcome...)
			if r.literal != "" {
				out = append(out, `","literal":"`...)
				out = appendEscaped(out, r.literal)
			}
			out = append(out, `"}`...)
		}
		out = append(out, ']')
	}
	out = append(out, '}')
	st.out = out
	return out, nil
}

// scan scans the request s (held in st.sc, reset to it), or finds its
// scan in the memo, and returns the scanner that holds it and, for a
// request the memo planned, its plan.
func (st *state) scan(s string) (*scanner, request, *plan, error) {
	if st.memo != nil {
		return st.memo.scan(st, s)
	}
	req, err := st.sc.request()
	return &st.sc, req, nil, err
}

// appendPath appends a reference's field path to the body of a JSON
// string: as it is when plain (flagged when scanned: nothing to escape).
func appendPath(out, path []byte, plain bool) []byte {
	if plain {
		return append(out, path...)
	}
	return appendEscaped(out, path)
}

// outCap is the initial capacity of an output for an entry of n bytes:
// resolved values are usually a little longer than their references.
func outCap(n int) int { return n + n/4 + 64 }

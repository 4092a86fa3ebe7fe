package interp

// The writing of the output: the scanned entry copied span by span with
// its edits applied, and each string holding "${...}" interpolated.

import (
	"fmt"

	"github.com/wasmgw/wasmgw/abi"
)

// resolve appends the value sc scanned at [start, end) to out, with its
// edits applied.
func (r *resolver) resolve(out []byte, sc *scanner, start, end int) ([]byte, error) {
	s := sc.s
	prev := start
	for i := range sc.edits {
		e := &sc.edits[i]
		if sc.deepAt >= 0 && e.start >= sc.deepAt {
			break
		}
		out = append(out, s[prev:e.start]...)
		prev = e.end
		switch e.kind {
		case editString:
			out = appendString(out, e.str)
		case editRefs:
			var err error
			if out, err = r.interpolate(out, e, sc); err != nil {
				return nil, err
			}
		}
	}
	if sc.deepAt >= 0 {
		return nil, fmt.Errorf("entry: nested deeper than %d levels", maxDepth)
	}
	return append(out, s[prev:end]...), nil
}

// interpolate appends the string of e as JSON, its references resolved
// left to right in one pass.
func (r *resolver) interpolate(out []byte, e *edit, sc *scanner) ([]byte, error) {
	mark, nrefs := len(out), len(r.refs)
	out = append(out, '"')
	s, prev := e.str, 0
	for _, p := range sc.parts[e.parts[0]:e.parts[1]] {
		out = appendText(out, s[prev:p.start], e.verbatim)
		prev = p.end
		literal := s[p.start:p.end]
		if p.nameEnd == 0 {
			r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, outcome: abi.RefUnsupported, literal: literal})
			out = appendText(out, literal, e.verbatim)
			continue
		}
		name := s[p.nameStart:p.nameEnd]
		i, err := r.get(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.paths[e.path[0]:e.path[1]], err)
		}
		c := &r.cache[i]
		if !c.found {
			r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, name: name, outcome: abi.RefUnset, literal: literal})
			out = appendText(out, literal, e.verbatim)
			continue
		}
		if !c.valid {
			// Invalid UTF-8 may join with what follows into valid
			// UTF-8: encode the whole string at once instead.
			r.refs = r.refs[:nrefs]
			return r.interpolateWhole(out[:mark], e, sc)
		}
		r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, name: name, outcome: abi.RefResolved})
		if v := r.vals[c.val[0]:c.val[1]]; c.plain {
			out = append(out, v...)
		} else {
			out = appendEscaped(out, v)
		}
	}
	out = appendText(out, s[prev:], e.verbatim)
	return append(out, '"'), nil
}

// appendText appends literal text of a string: as it is when verbatim.
func appendText(out []byte, s string, verbatim bool) []byte {
	if verbatim {
		return append(out, s...)
	}
	return appendEscaped(out, s)
}

// interpolateWhole is interpolate building the whole string before
// encoding it, for values that are not valid UTF-8.
func (r *resolver) interpolateWhole(out []byte, e *edit, sc *scanner) ([]byte, error) {
	b := r.buf[:0]
	s, prev := e.str, 0
	for _, p := range sc.parts[e.parts[0]:e.parts[1]] {
		b = append(b, s[prev:p.start]...)
		prev = p.end
		literal := s[p.start:p.end]
		if p.nameEnd == 0 {
			r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, outcome: abi.RefUnsupported, literal: literal})
			b = append(b, literal...)
			continue
		}
		name := s[p.nameStart:p.nameEnd]
		i, err := r.get(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.paths[e.path[0]:e.path[1]], err)
		}
		c := &r.cache[i]
		if !c.found {
			r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, name: name, outcome: abi.RefUnset, literal: literal})
			b = append(b, literal...)
			continue
		}
		r.refs = append(r.refs, ref{path: e.path, plainPath: e.plainPath, name: name, outcome: abi.RefResolved})
		b = append(b, r.vals[c.val[0]:c.val[1]]...)
	}
	b = append(b, s[prev:]...)
	r.buf = b
	out = append(out, '"')
	out = appendEscaped(out, b)
	return append(out, '"'), nil
}

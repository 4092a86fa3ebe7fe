package interp

// A remembered request's answer, planned: everything of the answer that
// does not depend on the call's values, written once, and the holes where
// each call's values go. A request served again is answered by looking
// its variables up and filling the holes in, rather than by walking its
// scan again: the same bytes as the walk (FuzzMemoMatchesServe), in about
// half the guest's time.

import (
	"fmt"

	"github.com/wasmgw/wasmgw/abi"
)

// maxPlanLen bounds the text of a plan an instance keeps: an answer is
// usually about as long as its request (at most memoMaxLen), but each
// reference's field path is written out in the report, so a request of
// many references under a long key has a much longer answer. Such a
// request is answered by the walk each time instead.
const maxPlanLen = 64 << 10

// plan is the answer to one scanned request with its values left out. Its
// text is the fixed text of the answer with, after each hole's fixed text,
// what the hole can hold other than a value.
type plan struct {
	text  []byte
	holes []hole
	names []planName
	tail  int // the fixed text after the last hole: text[tail:]
	// refs are the references as the walk meets them (while building).
	refs []planRef
}

// hole is a place in the answer that depends on one variable.
type hole struct {
	fixed [2]int // the text before the hole, in plan.text
	unset [2]int // what the hole holds when the variable is unset
	// set is what it holds when the variable is set; for a value hole
	// (value), the value itself, escaped.
	set   [2]int
	value bool
	name  int // the variable, in plan.names
}

// planName is a variable of a plan, in the order the walk first meets it
// (the order of its lookups).
type planName struct {
	name string
	path [2]int // the field path of its first reference, for an error
}

// planRef is a reference of the entry, for the report.
type planRef struct {
	path      [2]int
	plainPath bool
	name      int    // in plan.names, or -1 when not a valid name
	literal   string // the reference as written
}

// build plans the answer serve writes for the request req scanned by sc.
// It reports false for a scan that the walk refuses (nested too deep,
// which the walk then says), and for a plan longer than maxPlanLen (which
// it does not keep): calls of that request take the walk.
func (p *plan) build(sc *scanner, req request) bool {
	p.text, p.holes, p.names, p.refs = p.text[:0], p.holes[:0], p.names[:0], p.refs[:0]
	p.tail = 0
	if sc.deepAt >= 0 {
		return false
	}
	index := make(map[string]int)
	s, prev := sc.s, req.start
	p.text = append(p.text, `{"entry":`...)
	for i := range sc.edits {
		e := &sc.edits[i]
		p.text = append(p.text, s[prev:e.start]...)
		prev = e.end
		switch e.kind {
		case editString:
			p.text = appendString(p.text, e.str)
		case editRefs:
			p.interpolated(e, sc, index)
		}
		if len(p.text) > maxPlanLen {
			*p = plan{}
			return false
		}
	}
	p.text = append(p.text, s[prev:req.end]...)
	if !p.report(sc) {
		*p = plan{}
		return false
	}
	p.text = append(p.text, '}')
	p.refs = nil // needed only while building
	return true
}

// interpolated plans the string of e, as resolver.interpolate writes it.
func (p *plan) interpolated(e *edit, sc *scanner, index map[string]int) {
	p.text = append(p.text, '"')
	s, prev := e.str, 0
	for _, pt := range sc.parts[e.parts[0]:e.parts[1]] {
		p.text = appendText(p.text, s[prev:pt.start], e.verbatim)
		prev = pt.end
		literal := s[pt.start:pt.end]
		ref := planRef{path: e.path, plainPath: e.plainPath, name: -1, literal: literal}
		if pt.nameEnd == 0 {
			p.refs = append(p.refs, ref)
			p.text = appendText(p.text, literal, e.verbatim)
			continue
		}
		name := s[pt.nameStart:pt.nameEnd]
		k, seen := index[name]
		if !seen {
			k = len(p.names)
			index[name] = k
			p.names = append(p.names, planName{name: name, path: e.path})
		}
		ref.name = k
		p.refs = append(p.refs, ref)
		h := p.cut(k, true)
		p.text = appendText(p.text, literal, e.verbatim)
		h.unset[1] = len(p.text)
		p.close(h)
	}
	p.text = appendText(p.text, s[prev:], e.verbatim)
	p.text = append(p.text, '"')
}

// report plans the references' report, as state.serve writes it. It
// stops, reporting false, once the plan is longer than maxPlanLen.
func (p *plan) report(sc *scanner) bool {
	if len(p.refs) == 0 {
		return true
	}
	p.text = append(p.text, `,"refs":[`...)
	for i, r := range p.refs {
		if i > 0 {
			p.text = append(p.text, ',')
		}
		if len(p.text) > maxPlanLen {
			return false
		}
		p.text = append(p.text, `{"path":"`...)
		p.text = appendPath(p.text, sc.paths[r.path[0]:r.path[1]], r.plainPath)
		if r.name < 0 {
			p.text = append(p.text, `","outcome":"`+abi.RefUnsupported+`","literal":"`...)
			p.text = appendEscaped(p.text, r.literal)
			p.text = append(p.text, `"}`...)
			continue
		}
		p.text = append(p.text, `","name":"`...)
		p.text = append(p.text, p.names[r.name].name...)
		p.text = append(p.text, `","outcome":"`...)
		h := p.cut(r.name, false)
		p.text = append(p.text, abi.RefUnset+`","literal":"`...)
		p.text = appendEscaped(p.text, r.literal)
		p.text = append(p.text, `"}`...)
		h.unset[1] = len(p.text)
		h.set[0] = len(p.text)
		p.text = append(p.text, abi.RefResolved+`"}`...)
		h.set[1] = len(p.text)
		p.close(h)
	}
	p.text = append(p.text, ']')
	return true
}

// cut ends the fixed text before a hole for the variable k; the hole's
// alternatives are written next, and close ends them.
func (p *plan) cut(k int, value bool) hole {
	return hole{fixed: [2]int{p.tail, len(p.text)}, unset: [2]int{len(p.text), len(p.text)}, value: value, name: k}
}

// close adds h, whose alternatives end the text so far.
func (p *plan) close(h hole) {
	p.holes = append(p.holes, h)
	p.tail = len(p.text)
}

// answer appends the answer of the planned request, held in sc, to out:
// each variable looked up through r, in the walk's order, and the holes
// filled in. It reports false, with out as it was, when a value is not
// valid UTF-8 (which the walk encodes with the string around it): the
// walk must write the answer then, and r's cache holds every value it
// needs.
func (p *plan) answer(out []byte, r *resolver, sc *scanner) ([]byte, bool, error) {
	valid := true
	for _, n := range p.names {
		c, err := r.fetch(n.name)
		if err != nil {
			return out, false, fmt.Errorf("%s: %w", sc.paths[n.path[0]:n.path[1]], err)
		}
		r.cache = append(r.cache, c)
		valid = valid && c.valid
	}
	if !valid {
		r.index()
		return out, false, nil
	}
	for _, h := range p.holes {
		out = append(out, p.text[h.fixed[0]:h.fixed[1]]...)
		switch c := &r.cache[h.name]; {
		case !c.found:
			out = append(out, p.text[h.unset[0]:h.unset[1]]...)
		case !h.value:
			out = append(out, p.text[h.set[0]:h.set[1]]...)
		case c.plain:
			out = append(out, r.vals[c.val[0]:c.val[1]]...)
		default:
			out = appendEscaped(out, r.vals[c.val[0]:c.val[1]])
		}
	}
	return append(out, p.text[p.tail:]...), true, nil
}

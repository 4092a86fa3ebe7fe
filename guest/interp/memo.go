package interp

// The scans an instance keeps between calls. A profile's server entries
// come from its config, so an instance sees the same few requests again
// and again (each time a server starts); scanning one is most of a call's
// work, and what the scan records depends on the request's text alone.

import "unsafe"

const (
	// memoSize is how many requests an instance remembers: a profile has a
	// few MCP servers, and any instance of its pool may serve each.
	memoSize = 4
	// memoMaxLen is the longest request remembered (a usual entry is 1–3
	// KB); a longer one is scanned each time, so that the memo holds at
	// most memoSize*memoMaxLen bytes of text.
	memoMaxLen = 16 << 10
)

// memo is the last requests scanned without error, most recently used
// first. It holds their text, the spans of what the output changes, the
// references and their field paths, and for a request served twice the
// plan of its answer (plan.go): nothing looked up and nothing written, so
// it outlives the wipe after each call.
type memo struct {
	scans [memoSize]*scanned
}

// scanned is one request and its scan.
type scanned struct {
	in  []byte // the request's text, copied: sc.s and every string of sc point into it or were decoded from it
	sc  scanner
	req request
	ok  bool // scanned without error: in, sc and req are a scan
	// plan is the request's answer planned (plan.go), once it is served a
	// second time; planned: built, usable (plan.build reported true).
	plan           plan
	tried, planned bool
}

// scan returns the scan of the request s: the one remembered if s was
// scanned before, else a new one, remembered if s is short enough (st.sc
// scans a longer one). On error, nothing is remembered. For a request
// served before it also returns its answer's plan, built on this second
// call, unless the request cannot have one.
func (m *memo) scan(st *state, s string) (*scanner, request, *plan, error) {
	for i, sd := range m.scans {
		if sd != nil && sd.ok && sameText(sd.in, s) {
			copy(m.scans[1:i+1], m.scans[:i]) // to the front
			m.scans[0] = sd
			if !sd.tried {
				sd.planned, sd.tried = sd.plan.build(&sd.sc, sd.req), true
			}
			if !sd.planned {
				return &sd.sc, sd.req, nil, nil
			}
			return &sd.sc, sd.req, &sd.plan, nil
		}
	}
	if len(s) > memoMaxLen {
		req, err := st.sc.request()
		return &st.sc, req, nil, err
	}
	// The least recently used slot takes the new scan.
	sd := m.scans[memoSize-1]
	if sd == nil {
		sd = &scanned{}
		sd.sc.edits = make([]edit, 0, 16+len(s)/64)
		sd.sc.stack = make([]frame, 0, 8)
		sd.sc.paths = make([]byte, 0, 256)
		sd.sc.parts = make([]part, 0, 64)
		m.scans[memoSize-1] = sd
	} else {
		// Drop the strings of the scan it held before its text is
		// overwritten.
		clear(sd.sc.edits[:cap(sd.sc.edits)])
		clear(sd.sc.stack[:cap(sd.sc.stack)])
		clear(sd.plan.names[:cap(sd.plan.names)])
		sd.req, sd.ok, sd.tried, sd.planned = request{}, false, false, false
	}
	if cap(sd.in) < len(s) {
		sd.in = make([]byte, len(s))
	}
	sd.in = sd.in[:len(s)]
	copy(sd.in, s)
	sd.sc.reset(unsafe.String(unsafe.SliceData(sd.in), len(sd.in)))
	req, err := sd.sc.request()
	if err != nil {
		return nil, request{}, nil, err // the slot stays last, and not ok
	}
	sd.req, sd.ok = req, true
	copy(m.scans[1:], m.scans[:memoSize-1])
	m.scans[0] = sd
	return &sd.sc, req, nil, nil
}

package interp

// The resolver's variables: each name looked up once per call, its value
// kept in one buffer, found through a small open-addressing hash table.

import "unicode/utf8"

// cached is a variable looked up once.
type cached struct {
	name  string
	val   [2]int // the value's span in resolver.vals
	found bool   // found and not empty
	valid bool   // the value is valid UTF-8
	// plain: no byte of the value needs escaping in a JSON string (so it
	// is also valid UTF-8): it is copied as it is.
	plain bool
}

// ref is an abi.Reference whose path is a span of the scanner's paths.
type ref struct {
	path      [2]int
	plainPath bool // the path needs no escaping in a JSON string
	name      string
	outcome   string
	literal   string
}

// resolver looks variables up and writes the output.
type resolver struct {
	lookup       Lookup
	appendLookup AppendLookup
	cache        []cached
	slots        []int32 // hash table of cache: index+1, 0 when free
	vals         []byte  // the values looked up, end to end
	refs         []ref
	buf          []byte
}

func (r *resolver) reset(lookup Lookup, appendLookup AppendLookup) {
	r.lookup, r.appendLookup = lookup, appendLookup
	r.cache, r.vals, r.refs = r.cache[:0], r.vals[:0], r.refs[:0]
	if r.slots == nil {
		r.slots = make([]int32, 64)
	} else {
		clear(r.slots)
	}
}

// nameHash hashes a name from its length and a few of its bytes, without
// a loop.
func nameHash(s string) uint32 {
	n := len(s)
	h := uint32(n)*0x9e3779b1 ^ uint32(s[0])*0x85ebca77 ^ uint32(s[n-1])*0xc2b2ae3d ^
		uint32(s[n>>1])*0x27d4eb2f ^ uint32(s[max(n-2, 0)])*0x165667b1
	return h ^ h>>15
}

// get returns the index in r.cache of the variable name, looking it up on
// first use.
func (r *resolver) get(name string) (int, error) {
	mask := uint32(len(r.slots) - 1)
	h := nameHash(name) & mask
	for ; r.slots[h] != 0; h = (h + 1) & mask {
		if i := int(r.slots[h] - 1); r.cache[i].name == name {
			return i, nil
		}
	}
	c, err := r.fetch(name)
	if err != nil {
		return 0, err
	}
	r.cache = append(r.cache, c)
	r.slots[h] = int32(len(r.cache))
	if 2*len(r.cache) > len(r.slots) { // keep the table at most half full
		r.index()
	}
	return len(r.cache) - 1, nil
}

// fetch looks the variable name up, appending its value to r.vals, and
// returns what the output needs to know of it. It does not add it to
// r.cache.
func (r *resolver) fetch(name string) (cached, error) {
	start := len(r.vals)
	var found bool
	var err error
	if r.appendLookup != nil {
		r.vals, found, err = r.appendLookup(r.vals, name)
	} else {
		var v string
		if v, found, err = r.lookup(name); found {
			r.vals = append(r.vals, v...)
		}
	}
	if err != nil {
		r.vals = r.vals[:start]
		return cached{}, err
	}
	if !found {
		r.vals = r.vals[:start]
	}
	v := r.vals[start:]
	c := cached{name: name, val: [2]int{start, len(r.vals)}, found: found && len(v) > 0}
	c.plain = plain(v) // UTF-8 is checked only if it fails
	c.valid = c.plain || utf8.Valid(v)
	return c, nil
}

// index rebuilds the hash table of r.cache, at most half full.
func (r *resolver) index() {
	n := len(r.slots)
	for 2*len(r.cache) > n {
		n *= 2
	}
	if n > len(r.slots) {
		r.slots = make([]int32, n)
	} else {
		clear(r.slots)
	}
	mask := uint32(n - 1)
	for i, c := range r.cache {
		h := nameHash(c.name) & mask
		for r.slots[h] != 0 {
			h = (h + 1) & mask
		}
		r.slots[h] = int32(i + 1)
	}
}

package value

import (
	"strconv"

	"github.com/wasmgw/wasmgw/abi"
)

// SameShape reports whether a and b have the same structure: objects with
// the same keys (in any order), lists of the same length, strings where
// strings were, and every other scalar equal. It returns the path of the
// first difference.
func SameShape(a, b *Value) (string, bool) {
	if sameShapeFast(a, b) {
		return "", true
	}
	return sameShape("", a, b) // again, naming the paths
}

// sameShapeFast is sameShape without building paths.
func sameShapeFast(a, b *Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Bool:
		return a.Bool == b.Bool
	case Number:
		if a.Str == b.Str {
			return true
		}
		x, err1 := strconv.ParseFloat(a.Str, 64)
		y, err2 := strconv.ParseFloat(b.Str, 64)
		return err1 == nil && err2 == nil && x == y
	case Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !sameShapeFast(a.Items[i], b.Items[i]) {
				return false
			}
		}
	case Object:
		if len(a.Keys) != len(b.Keys) {
			return false
		}
		for i, k := range a.Keys {
			w := b.itemAt(i, k)
			if w == nil || !sameShapeFast(a.Items[i], w) {
				return false
			}
		}
	}
	return true
}

// itemAt is Get(key) for an Object, looking at index i first (where the
// key is when both objects keep the same order).
func (v *Value) itemAt(i int, key string) *Value {
	if i < len(v.Keys) && v.Keys[i] == key {
		return v.Items[i]
	}
	return v.Get(key)
}

// ZipLeaves calls fn for every string leaf of a, in document order, with
// its field path (as Leaves names it) and the value at the same path in b.
// a and b must have the same shape (SameShape). path is valid only during
// the call.
func ZipLeaves(a, b *Value, fn func(path []byte, x, y *Value)) {
	zipLeaves(make([]byte, 0, 128), a, b, fn)
}

func zipLeaves(path []byte, a, b *Value, fn func([]byte, *Value, *Value)) []byte {
	switch a.Kind {
	case String:
		fn(path, a, b)
	case Array:
		for i, it := range a.Items {
			n := len(path)
			path = append(path, '[')
			path = strconv.AppendInt(path, int64(i), 10)
			path = append(path, ']')
			path = zipLeaves(path, it, b.Items[i], fn)[:n]
		}
	case Object:
		for i, k := range a.Keys {
			n := len(path)
			if !simpleKey(k) {
				path = append(path, '[')
				path = abi.AppendString(path, k)
				path = append(path, ']')
			} else {
				if n > 0 {
					path = append(path, '.')
				}
				path = append(path, k...)
			}
			path = zipLeaves(path, a.Items[i], b.itemAt(i, k), fn)[:n]
		}
	}
	return path
}

func sameShape(path string, a, b *Value) (string, bool) {
	if a.Kind != b.Kind {
		return path, false
	}
	switch a.Kind {
	case Bool:
		return path, a.Bool == b.Bool
	case Number:
		if a.Str == b.Str {
			return path, true
		}
		x, err1 := strconv.ParseFloat(a.Str, 64)
		y, err2 := strconv.ParseFloat(b.Str, 64)
		return path, err1 == nil && err2 == nil && x == y
	case Array:
		if len(a.Items) != len(b.Items) {
			return path, false
		}
		for i := range a.Items {
			if p, ok := sameShape(JoinIndex(path, i), a.Items[i], b.Items[i]); !ok {
				return p, false
			}
		}
	case Object:
		if len(a.Keys) != len(b.Keys) {
			return path, false
		}
		for i, k := range a.Keys {
			w := b.Get(k)
			if w == nil {
				return JoinKey(path, k), false
			}
			if p, ok := sameShape(JoinKey(path, k), a.Items[i], w); !ok {
				return p, false
			}
		}
	}
	return path, true
}

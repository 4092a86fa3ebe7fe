package value

import (
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
)

// Leaves calls fn for every string leaf of v with its field path ("env.TOKEN",
// "args[2]", `headers["X.Y"]`), in document order.
func (v *Value) Leaves(fn func(path string, leaf *Value)) { v.leaves("", fn) }

func (v *Value) leaves(path string, fn func(string, *Value)) {
	switch v.Kind {
	case String:
		fn(path, v)
	case Array:
		for i, it := range v.Items {
			it.leaves(JoinIndex(path, i), fn)
		}
	case Object:
		for i, k := range v.Keys {
			v.Items[i].leaves(JoinKey(path, k), fn)
		}
	}
}

// SameShape reports whether a and b have the same structure: objects with

// At returns the value at a field path as Leaves names it, or nil.
func (v *Value) At(path string) *Value {
	var found *Value
	v.Walk("", func(p string, x *Value) bool {
		if found != nil {
			return false
		}
		if p == path {
			found = x
			return false
		}
		return strings.HasPrefix(path, p)
	})
	return found
}

// Walk visits v and the values inside it depth-first with their field
// paths (path is v's own); fn returns whether to descend into one.
func (v *Value) Walk(path string, fn func(string, *Value) bool) {
	if !fn(path, v) {
		return
	}
	switch v.Kind {
	case Array:
		for i, it := range v.Items {
			it.Walk(JoinIndex(path, i), fn)
		}
	case Object:
		for i, k := range v.Keys {
			v.Items[i].Walk(JoinKey(path, k), fn)
		}
	}
}

// JoinKey returns the field path of key inside path: "env.TOKEN", or
// `headers["X.Api Key"]` (a JSON string in brackets) for a key that is not
// made of [A-Za-z0-9_-] only. It is the format of abi.Reference.Path.
func JoinKey(path, key string) string {
	if simpleKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + string(abi.AppendString(nil, key)) + "]"
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

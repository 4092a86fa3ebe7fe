package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/abi"
)

// Kind is the JSON kind of a Value.
type Kind uint8

// Kinds of Value.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// String names the kind for messages ("a string", "a list", ...).
func (k Kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "a mapping"}[k]
}

// Value is a JSON value whose objects keep their keys in order, so that a
// server entry round-trips from config.yaml through a guest module and back
// to the screen as written. Numbers keep their literal text.
type Value struct {
	// Kind is the value's JSON kind.
	Kind Kind
	// Bool is the value of a Bool.
	Bool bool
	// Str is the text of a String, or the literal of a Number.
	Str string
	// Keys are an Object's keys, in order.
	Keys []string
	// Items are an Object's values (same index as Keys) or an Array's
	// items.
	Items []*Value
}

// Limits on what ParseJSON and FromYAML accept: a server entry is small and
// shallow, and YAML aliases must not multiply into a bomb.
const (
	maxDepth = 64
	maxNodes = 100_000
)

// Get returns the value of key in an Object, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i, k := range v.Keys {
		if k == key {
			return v.Items[i]
		}
	}
	return nil
}

// ParseJSON decodes one JSON value, keeping object key order and number
// literals. Duplicate keys, trailing data and nesting deeper than 64 levels
// are refused.
func ParseJSON(data []byte) (*Value, error) {
	if v, ok := fastParse(data); ok {
		return v, nil
	}
	return parseJSONDecoder(data)
}

// parseJSONDecoder is ParseJSON on encoding/json's decoder: the reference
// of fastParse, and what words ParseJSON's errors.
func parseJSONDecoder(data []byte) (*Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	nodes := 0
	v, err := parseJSON(dec, 0, &nodes)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func parseJSON(dec *json.Decoder, depth int, nodes *int) (*Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if *nodes++; *nodes > maxNodes {
		return nil, fmt.Errorf("more than %d values", maxNodes)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		v := &Value{Kind: Array}
		if t == '{' {
			v.Kind = Object
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if seen[k] {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				seen[k] = true
				item, err := parseJSON(dec, depth+1, nodes)
				if err != nil {
					return nil, err
				}
				v.Keys = append(v.Keys, k)
				v.Items = append(v.Items, item)
			}
		} else {
			for dec.More() {
				item, err := parseJSON(dec, depth+1, nodes)
				if err != nil {
					return nil, err
				}
				v.Items = append(v.Items, item)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return v, nil
	case string:
		return &Value{Kind: String, Str: t}, nil
	case json.Number:
		return &Value{Kind: Number, Str: string(t)}, nil
	case bool:
		return &Value{Kind: Bool, Bool: t}, nil
	}
	return &Value{Kind: Null}, nil
}

// MarshalJSON encodes v with its keys in order.
func (v *Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends v as JSON to b.
func (v *Value) AppendJSON(b []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch v.Kind {
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Number:
		return append(b, v.Str...)
	case String:
		return abi.AppendString(b, v.Str)
	case Array:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendJSON(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, k := range v.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = abi.AppendString(b, k)
			b = append(b, ':')
			b = v.Items[i].AppendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// JSON returns v encoded as JSON.
func (v *Value) JSON() json.RawMessage { return v.AppendJSON(nil) }

// Clone returns a deep copy of v.
func (v *Value) Clone() *Value {
	if v == nil {
		return nil
	}
	c := *v
	c.Keys = append([]string(nil), v.Keys...)
	c.Items = make([]*Value, len(v.Items))
	for i, it := range v.Items {
		c.Items[i] = it.Clone()
	}
	return &c
}

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

// At returns the value at a field path as Leaves names it, or nil.
func (v *Value) At(path string) *Value {
	var found *Value
	v.walk("", func(p string, x *Value) bool {
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

// walk visits values depth-first; fn returns whether to descend into one.
func (v *Value) walk(path string, fn func(string, *Value) bool) {
	if !fn(path, v) {
		return
	}
	switch v.Kind {
	case Array:
		for i, it := range v.Items {
			it.walk(JoinIndex(path, i), fn)
		}
	case Object:
		for i, k := range v.Keys {
			v.Items[i].walk(JoinKey(path, k), fn)
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

// yamlError is a YAML node that cannot be a JSON value; path names it
// inside the entry.
type yamlError struct {
	line int
	path string
	msg  string
}

// Error implements error.
func (e *yamlError) Error() string { return e.msg }

// FromYAML converts a YAML node to a Value: mappings keep their order, merge
// keys (<<) and aliases are resolved, integers and floats become numbers,
// !!bool and !!null their JSON values, every other scalar (strings,
// timestamps, custom tags) its text. A non-finite float, a non-scalar
// mapping key, or more than 100,000 values (an alias bomb) is an error.
func FromYAML(n *yaml.Node) (*Value, error) {
	nodes := 0
	return fromYAML(n, "", 0, &nodes)
}

func fromYAML(n *yaml.Node, path string, depth int, nodes *int) (*Value, error) {
	if depth > maxDepth {
		return nil, &yamlError{n.Line, path, fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	if *nodes++; *nodes > maxNodes {
		return nil, &yamlError{n.Line, path, fmt.Sprintf("more than %d values (an alias bomb?)", maxNodes)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &Value{Kind: Null}, nil
		}
		return fromYAML(n.Content[0], path, depth, nodes)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &yamlError{n.Line, path, "unknown alias"}
		}
		return fromYAML(n.Alias, path, depth+1, nodes)
	case yaml.SequenceNode:
		v := &Value{Kind: Array}
		for i, c := range n.Content {
			item, err := fromYAML(c, JoinIndex(path, i), depth+1, nodes)
			if err != nil {
				return nil, err
			}
			v.Items = append(v.Items, item)
		}
		return v, nil
	case yaml.MappingNode:
		v := &Value{Kind: Object}
		if err := mergeMapping(v, n, path, depth, nodes, map[string]bool{}); err != nil {
			return nil, err
		}
		return v, nil
	case yaml.ScalarNode:
		return scalar(n, path)
	}
	return nil, &yamlError{n.Line, path, "unsupported YAML node"}
}

// mergeMapping adds the pairs of mapping n to v; keys already in v win, as
// YAML merge keys require (explicit keys override merged ones).
func mergeMapping(v *Value, n *yaml.Node, path string, depth int, nodes *int, explicit map[string]bool) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return &yamlError{k.Line, path, "a mapping key must be a scalar"}
		}
		key := k.Value
		if explicit[key] {
			return &yamlError{k.Line, JoinKey(path, key), "duplicate key"}
		}
		explicit[key] = true
		item, err := fromYAML(val, JoinKey(path, key), depth+1, nodes)
		if err != nil {
			return err
		}
		if v.Get(key) != nil { // from an earlier merge: the explicit key wins
			for j, kk := range v.Keys {
				if kk == key {
					v.Items[j] = item
				}
			}
			continue
		}
		v.Keys = append(v.Keys, key)
		v.Items = append(v.Items, item)
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			for src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				return &yamlError{src.Line, path, "a merge key (<<) must name a mapping"}
			}
			if *nodes++; *nodes > maxNodes || depth > maxDepth {
				return &yamlError{src.Line, path, "merge keys nest too deep"}
			}
			sub := &Value{Kind: Object}
			if err := mergeMapping(sub, src, path, depth+1, nodes, map[string]bool{}); err != nil {
				return err
			}
			for i, k := range sub.Keys {
				if v.Get(k) == nil {
					v.Keys = append(v.Keys, k)
					v.Items = append(v.Items, sub.Items[i])
				}
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node, path string) (*Value, error) {
	switch n.Tag {
	case "!!null":
		return &Value{Kind: Null}, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, &yamlError{n.Line, path, "not a boolean"}
		}
		return &Value{Kind: Bool, Bool: b}, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return &Value{Kind: Number, Str: strconv.FormatInt(i, 10)}, nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return &Value{Kind: Number, Str: strconv.FormatUint(u, 10)}, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &yamlError{n.Line, path, "an integer out of range"}
		}
		return &Value{Kind: Number, Str: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &yamlError{n.Line, path, "a float that JSON cannot hold (.inf or .nan)"}
		}
		return &Value{Kind: Number, Str: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	}
	return &Value{Kind: String, Str: n.Value}, nil
}

// YAML returns v as a YAML node, keys in order, for printing.
func (v *Value) YAML() *yaml.Node {
	switch v.Kind {
	case Null:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool)}
	case Number:
		tag := "!!int"
		if strings.ContainsAny(v.Str, ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.Str}
	case String:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Str}
	case Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, it := range v.Items {
			n.Content = append(n.Content, it.YAML())
		}
		return n
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i, k := range v.Keys {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v.Items[i].YAML())
	}
	return n
}

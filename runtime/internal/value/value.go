// Package value is the JSON value model of MCP server entries: a Value
// keeps an object's keys in the order written and a number's literal text,
// so that an entry round-trips from config.yaml through a guest module and
// back to the screen as written. It parses JSON (ParseJSON) and YAML nodes
// (FromYAML), prints both, names field paths ("env.TOKEN", "args[2]") and
// compares shapes (SameShape, ZipLeaves). runtime/mcp names Value for its
// callers (an alias: runtime.MCPServer.Masked is one); runtime/mcp,
// runtime and runtime/inspect use the rest.
package value

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

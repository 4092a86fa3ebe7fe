package mcp

import "github.com/wasmgw/wasmgw/runtime/internal/value"

// Value is a JSON value whose objects keep their keys in order, so that a
// server entry round-trips from config.yaml through a guest module and back
// to the screen as written; numbers keep their literal text. Its fields are
// Kind, Bool, Str (a string's text or a number's literal), Keys (an
// object's keys, in order) and Items (an object's values, same index as
// Keys, or a list's items). Its methods print it (JSON, AppendJSON,
// MarshalJSON, YAML), look inside it (Get, At, Leaves) and copy it (Clone).
// runtime.MCPServer.Masked is one.
type Value = value.Value

// Kind is the JSON kind of a Value; its String method names it for
// messages ("a string", "a list", ...).
type Kind = value.Kind

// Kinds of Value.
const (
	// Null is JSON null.
	Null = value.Null
	// Bool is true or false (Value.Bool).
	Bool = value.Bool
	// Number is a number, its literal in Value.Str.
	Number = value.Number
	// String is a string, in Value.Str.
	String = value.String
	// Array is a list, in Value.Items.
	Array = value.Array
	// Object is a mapping: Value.Keys and Value.Items.
	Object = value.Object
)

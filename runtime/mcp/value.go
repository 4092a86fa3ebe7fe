package mcp

import "github.com/wasmgw/wasmgw/runtime/internal/value"

// Value is a JSON value whose objects keep their keys in order, so that a
// server entry round-trips from config.yaml through a guest module and back
// to the screen as written; numbers keep their literal text. Its fields are
// Kind, Bool, Str (a string's text or a number's literal), Keys (an
// object's keys, in order) and Items (an object's values, same index as
// Keys, or a list's items); runtime/internal/value names the kinds. Its
// methods print it (JSON, AppendJSON, MarshalJSON, YAML), look inside it
// (Get, At, Leaves) and copy it (Clone). runtime.MCPServer.Masked is one.
type Value = value.Value

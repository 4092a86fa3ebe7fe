package abi

import "encoding/json"

// Manifest is what [ExportDescribe] returns: the module's ABI version and
// the tools it offers.
type Manifest struct {
	// ABI repeats the version the module was built for.
	ABI int `json:"abi"`
	// Tools lists the tools, in the order the module registered them.
	Tools []ToolInfo `json:"tools"`
}

// ToolInfo describes one tool of a module.
type ToolInfo struct {
	// Name is unique within the module: [a-z0-9_.-], at most MaxNameLen.
	Name string `json:"name"`
	// Description is one line for humans and models.
	Description string `json:"description,omitempty"`
	// InputSchema is a JSON Schema of the input object, when the module
	// provides one.
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
}

// Self is what [FuncSelf] returns: who the instance runs for.
type Self struct {
	Profile string `json:"profile"`
	Module  string `json:"module"`
	ABI     int    `json:"abi"`
}

// Error is the output of an export that returned [StatusError].
type Error struct {
	// Code is a short machine-readable class ("bad_input", "not_found",
	// "denied", "internal", ...).
	Code string `json:"code"`
	// Message says what went wrong. It must not contain secret values; the
	// host redacts the profile's values from it all the same.
	Message string `json:"message"`
}

// CallResult is the envelope [FuncToolCall] returns to a handler: exactly
// one of Output and Error is set.
type CallResult struct {
	Output json.RawMessage `json:"output,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// HandleRequest is the input of [ExportHandle]: one inbound message routed
// to the module's profile.
type HandleRequest struct {
	Profile     string `json:"profile"`
	SessionKey  string `json:"session_key"`
	Platform    string `json:"platform,omitempty"`
	ChatID      string `json:"chat_id,omitempty"`
	ChatType    string `json:"chat_type,omitempty"`
	UserID      string `json:"user_id,omitempty"`
	UserName    string `json:"user_name,omitempty"`
	MessageID   string `json:"message_id,omitempty"`
	MessageType string `json:"message_type,omitempty"`
	Text        string `json:"text"`
	// Tools lists the tools of the profile the handler may call with
	// tool_call, so that a handler can offer them (to a user or a model).
	Tools []ToolInfo `json:"tools,omitempty"`
}

// HandleReply is the output of [ExportHandle]. An empty Text sends nothing.
type HandleReply struct {
	Text string `json:"text"`
}

// InterpolateRequest is the input of [ExportInterpolate]: one MCP server
// entry, as decoded from the profile's config.
type InterpolateRequest struct {
	Server string          `json:"server"`
	Entry  json.RawMessage `json:"entry"`
}

// InterpolateResult is the output of [ExportInterpolate]. Entry has the
// same shape as the request's entry, with references resolved in string
// leaves. Refs lists every reference found, by field path, with its outcome.
type InterpolateResult struct {
	Entry json.RawMessage `json:"entry"`
	Refs  []Reference     `json:"refs,omitempty"`
}

// Reference is one ${...} occurrence in a string leaf of a server entry.
type Reference struct {
	// Path names the leaf, e.g. "env.TOKEN" or "args[2]".
	Path string `json:"path"`
	// Name is the variable name (empty for an unsupported form).
	Name string `json:"name,omitempty"`
	// Outcome is one of the Ref* constants.
	Outcome string `json:"outcome"`
	// Literal is the reference as written when it was not resolved.
	Literal string `json:"literal,omitempty"`
}

// Outcomes of a [Reference].
const (
	RefResolved    = "resolved"
	RefUnset       = "unset"       // not found, denied or empty: the literal is kept
	RefUnsupported = "unsupported" // a shell form such as ${NAME:-x}: kept, reported
)

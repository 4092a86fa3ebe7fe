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
	// Secrets lists the names (never the values) the handler may read with
	// secret_get: its grants that the profile defines. A handler looks up
	// only these, so it adds no denied reads to the audit trail.
	Secrets []string `json:"secrets,omitempty"`
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

// FetchRequest is the input of [FuncHTTPFetch]. Header values may hold
// placeholders {{secret:NAME}}, and so may Body and the URL's query for the
// names the module's egress policy allows there; the host substitutes them
// (see docs/egress.md).
type FetchRequest struct {
	// Method is GET (the default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS.
	Method string `json:"method,omitempty"`
	// URL is an absolute http or https URL with no user information.
	URL string `json:"url"`
	// Headers are sent as given, one value per name.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the request body as text; BodyBase64 the same for bytes that
	// are not UTF-8. At most one of them is set.
	Body       string `json:"body,omitempty"`
	BodyBase64 string `json:"body_base64,omitempty"`
	// TimeoutMS bounds the request (0: the call's own deadline, which always
	// applies).
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
}

// FetchResponse is the output of [FuncHTTPFetch]: the response after the
// host scrubbed the profile's secret values from its headers and body.
type FetchResponse struct {
	Status int `json:"status"`
	// Headers by canonical name, in the order received.
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is the body as text when it is valid UTF-8; BodyBase64 otherwise.
	Body       string `json:"body,omitempty"`
	BodyBase64 string `json:"body_base64,omitempty"`
	// Truncated: the body was longer than the module's max_response and was
	// cut there.
	Truncated bool `json:"truncated,omitempty"`
}

// ValidToolName reports whether s is a valid [ToolInfo.Name]: 1 to
// MaxNameLen bytes of [a-z0-9_.-].
func ValidToolName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

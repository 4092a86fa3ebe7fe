package guest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"

	"github.com/wasmgw/wasmgw/abi"
)

// Errors returned by [Secret].
var (
	// ErrNotFound: the profile has no secret of that name.
	ErrNotFound = errors.New("secret not found in this profile")
	// ErrDenied: this module was not granted the name.
	ErrDenied = errors.New("secret not granted to this module")
	// ErrNoHost: the code is not running inside a wasmgw host.
	ErrNoHost = errors.New("not running in a wasmgw host")
)

// HostError is a host function's negative result that has no error value of
// its own in this package.
type HostError struct {
	// Func is the host function, such as abi.FuncSecretGet.
	Func string
	// Code is its negative result, one of abi's Err codes.
	Code int32
}

// Error names the function and the code.
func (e *HostError) Error() string {
	return fmt.Sprintf("host function %s: %s (%d)", e.Func, abi.ErrorName(e.Code), e.Code)
}

func hostErr(fn string, code int32) error {
	switch code {
	case noHost:
		return ErrNoHost
	case abi.ErrNotFound:
		return ErrNotFound
	case abi.ErrDenied:
		return ErrDenied
	}
	return &HostError{Func: fn, Code: code}
}

// noHost is what the native stubs return: there is no host to ask.
const noHost int32 = -1000

// Secret returns the value of the named secret of the calling profile. The
// host answers only from that profile's scope and only for names the module
// was granted; every call is audited by the host (the name, never the value).
func Secret(name string) (string, error) {
	buf := make([]byte, 256)
	for range 3 {
		n := hostSecretGet(name, buf)
		switch {
		case n < 0:
			return "", &secretError{name: name, err: hostErr(abi.FuncSecretGet, n)}
		case int(n) <= len(buf):
			return string(buf[:n]), nil
		default:
			buf = make([]byte, n)
		}
	}
	return "", fmt.Errorf("secret %q: value kept changing size", name)
}

// secretError is a host's refusal of a secret read, for the name asked.
// Its text is written only when asked for: a module that treats a missing
// secret as unset (guest/interp does, once per reference) pays for no
// formatting, which costs microseconds inside a sandbox.
type secretError struct {
	name string
	err  error
}

// Error says which secret and why, as fmt.Errorf("secret %q: %w") did.
func (e *secretError) Error() string { return "secret " + strconv.Quote(e.name) + ": " + e.err.Error() }

// Unwrap returns the host's error (ErrNotFound, ErrDenied, a *HostError).
func (e *secretError) Unwrap() error { return e.err }

// AppendSecret is [Secret] appending the value to dst instead of returning
// a string: with room in dst it allocates nothing (the host writes into
// dst's spare capacity). On error dst is returned as it was.
func AppendSecret(dst []byte, name string) ([]byte, error) {
	if cap(dst)-len(dst) < 64 {
		dst = slices.Grow(dst, 256)
	}
	for range 3 {
		room := dst[len(dst):cap(dst)]
		n := hostSecretGet(name, room)
		switch {
		case n < 0:
			return dst, &secretError{name: name, err: hostErr(abi.FuncSecretGet, n)}
		case int(n) <= len(room):
			return dst[:len(dst)+int(n)], nil
		default:
			dst = slices.Grow(dst, int(n))
		}
	}
	return dst, fmt.Errorf("secret %q: value kept changing size", name)
}

// self caches what Self returns: an instance is bound to one profile and
// module for its whole life, so the host is asked once.
var self *abi.Self

// Self returns the profile and module the instance was created for.
func Self() (abi.Self, error) {
	if self != nil {
		return *self, nil
	}
	buf := make([]byte, 256)
	n := hostSelf(buf)
	if n < 0 {
		return abi.Self{}, hostErr(abi.FuncSelf, n)
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		if n = hostSelf(buf); n < 0 || int(n) > len(buf) {
			return abi.Self{}, hostErr(abi.FuncSelf, abi.ErrUnavailable)
		}
	}
	var s abi.Self
	if err := json.Unmarshal(buf[:n], &s); err != nil {
		return abi.Self{}, fmt.Errorf("self: %w", err)
	}
	self = &s
	return s, nil
}

// Log writes one structured record to the host's log, tagged by the host
// with the profile and module. args are key-value pairs as for log/slog.
func Log(level slog.Level, msg string, args ...any) {
	hostLog(int32(level), msg, encodeAttrs(args))
}

// encodeAttrs encodes key-value pairs as a JSON object. Strings, integers
// and booleans are written directly: reflection-based encoding is the
// slowest thing a guest does under the host's termination checks.
func encodeAttrs(args []any) []byte {
	if len(args) == 0 {
		return nil
	}
	n := 2
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s) + len(s)/8 + 4
		} else {
			n += 24
		}
	}
	b := append(make([]byte, 0, n), '{')
	for i := 0; i < len(args); i += 2 {
		key, ok := args[i].(string)
		var val any = "!MISSING"
		if i+1 < len(args) {
			val = args[i+1]
		}
		if !ok {
			key, val = "!BADKEY", fmt.Sprint(args[i])
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = abi.AppendString(b, key)
		b = append(b, ':')
		switch v := val.(type) {
		case string:
			b = abi.AppendString(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case bool:
			b = strconv.AppendBool(b, v)
		case error:
			b = abi.AppendString(b, v.Error())
		default:
			j, err := json.Marshal(v)
			if err != nil {
				j = abi.AppendString(nil, fmt.Sprint(v))
			}
			b = append(b, j...)
		}
	}
	return append(b, '}')
}

// Error is returned by a tool to report a failure with a machine-readable
// code; any other error is reported with code "tool_error".
type Error struct {
	// Code is machine-readable, such as "invalid_input".
	Code string
	// Message is for people.
	Message string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

type tool struct {
	info abi.ToolInfo
	call func(input []byte) ([]byte, error)
}

// registry holds the module's tools. It is filled by init functions before
// the host makes its first call, and only read afterwards.
type registry struct {
	tools map[string]tool
	order []string
}

var reg = registry{tools: map[string]tool{}}

// Tool registers a tool. In is decoded from the call's JSON input (unknown
// fields are rejected) and Out encoded as its JSON output. Register tools
// from init functions; registering a name twice panics.
func Tool[In, Out any](name, description string, fn func(In) (Out, error)) {
	ToolWithSchema(name, description, nil, fn)
}

// ToolWithSchema is [Tool] with a JSON Schema for the input, which the host
// passes on to models and users.
func ToolWithSchema[In, Out any](name, description string, schema json.RawMessage, fn func(In) (Out, error)) {
	if _, dup := reg.tools[name]; dup {
		panic("guest: tool " + name + " registered twice")
	}
	reg.order = append(reg.order, name)
	reg.tools[name] = tool{
		info: abi.ToolInfo{Name: name, Description: description, InputSchema: schema},
		call: func(input []byte) ([]byte, error) {
			var in In
			if len(input) > 0 {
				if err := decodeStrict(input, &in); err != nil {
					return nil, &Error{Code: "bad_input", Message: err.Error()}
				}
			}
			out, err := fn(in)
			if err != nil {
				return nil, err
			}
			return json.Marshal(out)
		},
	}
}

// Manifest returns what the module declares to the host: its ABI version
// and tools in registration order.
func Manifest() abi.Manifest {
	m := abi.Manifest{ABI: abi.Version, Tools: []abi.ToolInfo{}}
	for _, name := range reg.order {
		m.Tools = append(m.Tools, reg.tools[name].info)
	}
	return m
}

// Invoke runs a registered tool as the host would, returning its JSON
// output. It lets tool authors test tools natively.
func Invoke(name string, input []byte) ([]byte, error) {
	t, ok := reg.tools[name]
	if !ok {
		names := append([]string(nil), reg.order...)
		sort.Strings(names)
		return nil, &Error{Code: "not_found", Message: fmt.Sprintf("no tool %q (have %v)", name, names)}
	}
	return t.call(input)
}

func decodeStrict(data []byte, v any) error {
	// The common empty input decodes to the zero value without reflection.
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "{}" || string(t) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return inputError(err)
	}
	if dec.More() {
		return errors.New("input: trailing data after the JSON value")
	}
	return nil
}

// errorEnvelope turns an error into the bytes of an abi.Error.
func errorEnvelope(err error) []byte {
	e := abi.Error{Code: "tool_error", Message: err.Error()}
	var ge *Error
	if errors.As(err, &ge) {
		e = abi.Error{Code: ge.Code, Message: ge.Message}
	}
	b, _ := json.Marshal(e)
	return b
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }

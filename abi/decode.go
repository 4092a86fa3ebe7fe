package abi

import "fmt"

// The envelopes a handler decodes on every message, decoded without
// reflection. In a Go guest under wazero's termination checks,
// encoding/json spends about 180 µs on one HandleRequest (45 times its
// native cost: every loop of its reflective decoder pays a check); this
// reader does the same job in a few straight loops over the bytes.
//
// The result is what encoding/json.Unmarshal gives for the same input
// (a differential fuzz target holds the two together), with two
// deliberate refusals that encoding/json does not make: a key that appears
// twice in one object, and a key that matches a field only when case is
// ignored. The host never writes either, and accepting them is how parser
// differentials start.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// errStrict marks the refusals encoding/json would not make.
const errStrict = decodeClass("refused")

// decodeClass is a class of decoding problem, an error that can be a
// constant.
type decodeClass string

func (c decodeClass) Error() string { return string(c) }

// decodeError says where and why an envelope could not be decoded.
type decodeError struct {
	// Envelope is the type being decoded, such as "HandleRequest".
	Envelope string
	// Offset is the byte offset of the problem in the input.
	Offset int
	// What describes the problem.
	What string
	err  error
}

// Error says which envelope, where and what.
func (e *decodeError) Error() string {
	return fmt.Sprintf("abi: %s: offset %d: %s", e.Envelope, e.Offset, e.What)
}

// Unwrap returns the class of the problem, if it has one.
func (e *decodeError) Unwrap() error { return e.err }

// DecodeHandleRequest decodes the input of [ExportHandle].
func DecodeHandleRequest(data []byte) (HandleRequest, error) {
	var r HandleRequest
	d := decoder{s: string(data), env: "HandleRequest"}
	fields := [...]string{"profile", "session_key", "platform", "chat_id", "chat_type", "user_id", "user_name", "message_id", "message_type", "text", "tools", "secrets"}
	err := d.top(func() error {
		return d.object(1, fields[:], func(k int) error {
			switch k {
			case 10:
				return d.tools(&r.Tools)
			case 11:
				return d.strings(&r.Secrets)
			}
			return d.stringField(handleRequestString(&r, k))
		})
	})
	if err != nil {
		return HandleRequest{}, err
	}
	return r, nil
}

func handleRequestString(r *HandleRequest, k int) *string {
	return [...]*string{&r.Profile, &r.SessionKey, &r.Platform, &r.ChatID, &r.ChatType, &r.UserID, &r.UserName, &r.MessageID, &r.MessageType, &r.Text}[k]
}

// DecodeCallResult decodes the envelope of a tool's result (the output of
// [ExportCallTool] wrapped by the host, as tool_call returns it).
func DecodeCallResult(data []byte) (CallResult, error) {
	var r CallResult
	d := decoder{s: string(data), env: "CallResult"}
	fields, errorFields := [...]string{"output", "error"}, [...]string{"code", "message"}
	err := d.top(func() error {
		return d.object(1, fields[:], func(k int) error {
			if k == 0 {
				return d.raw(2, &r.Output)
			}
			if d.null() {
				r.Error = nil
				return nil
			}
			e := new(Error)
			r.Error = e
			return d.object(2, errorFields[:], func(k int) error {
				return d.stringField([...]*string{&e.Code, &e.Message}[k])
			})
		})
	})
	if err != nil {
		return CallResult{}, err
	}
	return r, nil
}

// decoder reads one copy of the input: strings without escapes are
// substrings of it, so a request costs one allocation plus one per escaped
// string, slice and raw value.
type decoder struct {
	s   string
	i   int
	env string
}

func (d *decoder) fail(what string) error {
	return &decodeError{Envelope: d.env, Offset: d.i, What: what}
}

func (d *decoder) failf(err error, format string, args ...any) error {
	return &decodeError{Envelope: d.env, Offset: d.i, What: fmt.Sprintf(format, args...), err: err}
}

// top decodes the whole input as one value read by body; a top-level
// null leaves the result zero, as encoding/json does.
func (d *decoder) top(body func() error) error {
	d.space()
	if !d.null() {
		if err := body(); err != nil {
			return err
		}
	}
	d.space()
	if d.i != len(d.s) {
		return d.fail("data after the top-level value")
	}
	return nil
}

func (d *decoder) stringField(dst *string) error {
	if d.null() {
		return nil
	}
	if d.peek() != '"' {
		return d.fail("expected a string")
	}
	s, err := d.str()
	*dst = s
	return err
}

func (d *decoder) strings(dst *[]string) error {
	if d.null() {
		*dst = nil
		return nil
	}
	out := []string{}
	err := d.array(2, func(int) error {
		var s string
		if err := d.stringField(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	*dst = out
	return err
}

func (d *decoder) tools(dst *[]ToolInfo) error {
	if d.null() {
		*dst = nil
		return nil
	}
	out := []ToolInfo{}
	fields := [...]string{"name", "description", "input_schema"}
	err := d.array(2, func(int) error {
		var t ToolInfo
		if !d.null() {
			err := d.object(3, fields[:], func(k int) error {
				if k == 2 {
					return d.raw(4, &t.InputSchema)
				}
				return d.stringField([...]*string{&t.Name, &t.Description}[k])
			})
			if err != nil {
				return err
			}
		}
		out = append(out, t)
		return nil
	})
	*dst = out
	return err
}

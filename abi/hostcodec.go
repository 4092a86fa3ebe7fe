package abi

// The host's side of the handler envelope: it writes a HandleRequest and
// reads a HandleReply, where a guest does the opposite (DecodeHandleRequest,
// AppendHandleReply). Both are on every inbound message's path.

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// errRawSchema is an input schema that is not valid JSON.
var errRawSchema = errors.New("abi: a tool's input_schema is not valid JSON")

// AppendHandleRequest appends r as the JSON input of [ExportHandle]. It
// decodes, with encoding/json or [DecodeHandleRequest], to what
// json.Marshal(r) decodes to (FuzzAppendHandleRequest): the same fields,
// empty ones omitted alike; strings are written by [AppendString] (<, >
// and & as they are), input schemas as they are. A schema that is not
// valid JSON is an error, as it is for json.Marshal.
func AppendHandleRequest(dst []byte, r HandleRequest) ([]byte, error) {
	n := len(r.Profile) + len(r.SessionKey) + len(r.Text) + 256
	for _, t := range r.Tools {
		n += len(t.Name) + len(t.Description) + len(t.InputSchema) + 48
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, `{"profile":`...)
	dst = AppendString(dst, r.Profile)
	dst = append(dst, `,"session_key":`...)
	dst = AppendString(dst, r.SessionKey)
	for _, f := range [...]struct{ key, v string }{
		{`,"platform":`, r.Platform}, {`,"chat_id":`, r.ChatID}, {`,"chat_type":`, r.ChatType},
		{`,"user_id":`, r.UserID}, {`,"user_name":`, r.UserName}, {`,"message_id":`, r.MessageID},
		{`,"message_type":`, r.MessageType},
	} {
		if f.v != "" {
			dst = AppendString(append(dst, f.key...), f.v)
		}
	}
	dst = append(dst, `,"text":`...)
	dst = AppendString(dst, r.Text)
	if len(r.Tools) > 0 {
		dst = append(dst, `,"tools":[`...)
		for i, t := range r.Tools {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"name":`...)
			dst = AppendString(dst, t.Name)
			if t.Description != "" {
				dst = AppendString(append(dst, `,"description":`...), t.Description)
			}
			if len(t.InputSchema) > 0 {
				if !jsonlex.ValidBytes(t.InputSchema) {
					return dst, errRawSchema
				}
				dst = append(append(dst, `,"input_schema":`...), t.InputSchema...)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(r.Secrets) > 0 {
		dst = append(dst, `,"secrets":[`...)
		for i, s := range r.Secrets {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, s)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// DecodeHandleReply reads the output of [ExportHandle] as json.Unmarshal
// into a HandleReply does (FuzzDecodeHandleReply). The form
// [AppendHandleReply] writes, {"text":"..."} and nothing else, is read
// directly; anything else goes through encoding/json.
func DecodeHandleReply(data []byte) (HandleReply, error) {
	const head = `{"text":`
	if len(data) > len(head)+2 && string(data[:len(head)]) == head && data[len(data)-1] == '}' {
		s := string(data[len(head) : len(data)-1])
		if s[0] == '"' {
			if end, f := jsonlex.String(s, 0); f&jsonlex.Invalid == 0 && end == len(s) {
				body := s[1 : end-1]
				if f&(jsonlex.Escaped|jsonlex.BadUTF8) != 0 {
					body = jsonlex.Unquote(body)
				}
				return HandleReply{Text: body}, nil
			}
		}
	}
	var r HandleReply
	err := json.Unmarshal(data, &r)
	return r, err
}

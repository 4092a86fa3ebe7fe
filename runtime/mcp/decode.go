package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// knownKeys are the entry keys wasmgw reads; the reference's others
// (auth, sampling, supports_parallel_tool_calls, ...) are kept as Extra.
var knownKeys = []string{"command", "args", "env", "cwd", "url", "transport", "headers", "timeout", "connect_timeout", "enabled", "tools", "trust", "network", "limits", "filesystem", "ssl_verify", "client_cert"}

// DecodeValue decodes one server entry. The rules follow the reference,
// stricter where it would guess (see docs/mcp.md):
//   - command: a non-empty string, "~/" expanded later with the child's HOME;
//     args: a list of strings or numbers, or one string (a JSON list, or
//     shell words); env and headers: mappings of names to strings, numbers
//     or booleans; cwd: a string.
//   - url: an absolute http or https URL; transport: sse, or http (also
//     streamable_http, streamable-http, streamablehttp); "stdio" only with
//     command. An entry has command or url, not both.
//   - timeout, connect_timeout: positive seconds (a number or a numeric
//     string); enabled: a boolean, 0/1, or true/false/yes/no/on/off;
//     tools.include, tools.exclude: a tool name or a list of them.
func DecodeValue(name string, v *Value) (ServerConfig, error) {
	c := ServerConfig{Name: name, Timeout: defaultTimeout, ConnectTimeout: defaultConnectTimeout, Enabled: true}
	fail := func(field, format string, args ...any) error {
		return &ConfigError{Server: name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if v == nil || v.Kind != value.Object {
		kind := "nothing"
		if v != nil {
			kind = v.Kind.String()
		}
		return c, fail("", "want a mapping of settings, got %s", kind)
	}
	var transport string
	for i, key := range v.Keys {
		val := v.Items[i]
		var err error
		switch key {
		case "command":
			c.Command, err = str(val)
			if err == nil && strings.TrimSpace(c.Command) == "" {
				err = errors.New("empty")
			}
			c.Command = strings.TrimSpace(c.Command)
		case "args":
			c.Args, err = decodeArgs(val)
		case "env":
			c.Env, err = stringMap(val, false)
		case "headers":
			c.Headers, err = stringMap(val, true)
		case "cwd":
			c.Cwd, err = str(val)
		case "url":
			c.URL, err = str(val)
			if err == nil {
				err = checkURL(c.URL)
			}
		case "transport":
			if val.Kind != value.Null {
				transport, err = str(val)
			}
		case "timeout":
			c.Timeout, err = seconds(val, defaultTimeout)
		case "connect_timeout":
			c.ConnectTimeout, err = seconds(val, defaultConnectTimeout)
		case "enabled":
			c.Enabled, err = boolish(val)
		case "tools":
			c.Include, c.Exclude, err = toolFilter(val)
		case "trust", "network", "limits", "filesystem":
			err = c.Sandbox.decode(key, val)
		case "ssl_verify":
			err = decodeSSLVerify(val, &c.TLS)
		case "client_cert":
			err = decodeClientCert(val, &c.TLS)
		default:
			c.Extra = append(c.Extra, key)
		}
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				return c, fail(joinSub(key, fe.sub), "%s", fe.msg)
			}
			return c, fail(key, "%v", err)
		}
	}
	switch {
	case c.Command != "" && c.URL != "":
		return c, fail("", "has both command and url: a server is either a stdio command or an HTTP endpoint")
	case c.Command == "" && c.URL == "":
		return c, fail("", "has neither command (a stdio server) nor url (an HTTP server)")
	}
	switch t := strings.ToLower(strings.TrimSpace(transport)); t {
	case "":
		c.Transport = TransportHTTP
		if c.Command != "" {
			c.Transport = TransportStdio
		}
	case "stdio":
		if c.Command == "" {
			return c, fail("transport", "stdio needs a command")
		}
		c.Transport = TransportStdio
	case "sse", "http", "streamable_http", "streamable-http", "streamablehttp":
		if c.URL == "" {
			return c, fail("transport", "%s needs a url", t)
		}
		c.Transport = TransportHTTP
		if t == "sse" {
			c.Transport = TransportSSE
		}
	default:
		return c, fail("transport", "unknown transport (want stdio, http or sse)")
	}
	return c, nil
}

// fieldError is an error inside a field: sub is the path below it.
type fieldError struct {
	sub string
	msg string
}

// Error implements error.
func (e *fieldError) Error() string { return e.msg }

func joinSub(key, sub string) string {
	if sub == "" {
		return key
	}
	if sub[0] == '[' {
		return key + sub
	}
	return key + "." + sub
}

func str(v *Value) (string, error) {
	if v.Kind != value.String {
		return "", fmt.Errorf("want a string, got %s", v.Kind)
	}
	return v.Str, nil
}

// scalarText is the text of a string, number or boolean (a YAML "port:
// 8080" in env is the string "8080" to the child).
func scalarText(v *Value) (string, bool) {
	switch v.Kind {
	case value.String, value.Number:
		return v.Str, true
	case value.Bool:
		return strconv.FormatBool(v.Bool), true
	}
	return "", false
}

func decodeArgs(v *Value) ([]string, error) {
	switch v.Kind {
	case value.Null:
		return nil, nil
	case value.Array:
		args := make([]string, 0, len(v.Items))
		for i, it := range v.Items {
			if it.Kind != value.String && it.Kind != value.Number {
				return nil, &fieldError{sub: value.JoinIndex("", i), msg: "want a string or a number, got " + it.Kind.String()}
			}
			args = append(args, it.Str)
		}
		return args, nil
	case value.String:
		text := strings.TrimSpace(v.Str)
		if text == "" {
			return nil, nil
		}
		if text[0] == '[' || text[0] == '{' {
			var list []any
			if err := json.Unmarshal([]byte(text), &list); err != nil {
				return nil, errors.New("looks like a list but is not a JSON list of strings")
			}
			args := make([]string, 0, len(list))
			for _, it := range list {
				switch x := it.(type) {
				case string:
					args = append(args, x)
				case float64:
					args = append(args, strconv.FormatFloat(x, 'g', -1, 64))
				default:
					return nil, errors.New("looks like a list but is not a JSON list of strings")
				}
			}
			return args, nil
		}
		return shellSplit(v.Str)
	}
	return nil, fmt.Errorf("want a list of strings, got %s", v.Kind)
}

// stringMap decodes env or headers: a mapping of names to scalars.
func stringMap(v *Value, header bool) (map[string]string, error) {
	if v.Kind == value.Null {
		return nil, nil
	}
	if v.Kind != value.Object {
		return nil, fmt.Errorf("want a mapping, got %s", v.Kind)
	}
	m := make(map[string]string, len(v.Keys))
	for i, k := range v.Keys {
		val, ok := scalarText(v.Items[i])
		switch {
		case !ok:
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "want a string, got " + v.Items[i].Kind.String()}
		case header && !validHeaderName(k):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "not a valid HTTP header name"}
		case header && strings.ContainsAny(val, "\r\n\x00"):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "a header value must not contain CR, LF or NUL"}
		case !header && (k == "" || strings.ContainsAny(k, "=\x00")):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "not a valid environment variable name"}
		case !header && strings.ContainsRune(val, 0):
			return nil, &fieldError{sub: value.JoinKey("", k), msg: "an environment value must not contain NUL"}
		}
		m[k] = val
	}
	return m, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http or https URL")
	}
	return nil
}

func seconds(v *Value, def time.Duration) (time.Duration, error) {
	var f float64
	switch v.Kind {
	case value.Null:
		return def, nil
	case value.Number, value.String:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err != nil {
			return 0, errors.New("want a number of seconds")
		}
	default:
		return 0, fmt.Errorf("want a number of seconds, got %s", v.Kind)
	}
	if math.IsNaN(f) || f <= 0 || f > maxSeconds {
		return 0, fmt.Errorf("want a number of seconds above 0 and at most %g", float64(maxSeconds))
	}
	return time.Duration(f * float64(time.Second)), nil
}

func boolish(v *Value) (bool, error) {
	switch v.Kind {
	case value.Null:
		return true, nil
	case value.Bool:
		return v.Bool, nil
	case value.Number:
		f, err := strconv.ParseFloat(v.Str, 64)
		if err != nil {
			return false, errors.New("want true or false")
		}
		return f != 0, nil
	case value.String:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
	}
	return false, errors.New("want true or false (or yes/no, on/off, 1/0)")
}

// EnabledAsWritten reports whether an entry, before interpolation, is
// certainly disabled: its enabled key is a literal false. A server whose
// enabled value holds a reference is decided after interpolation.
func EnabledAsWritten(v *Value) (enabled, known bool) {
	e := v.Get("enabled")
	if e == nil {
		return true, true
	}
	if e.Kind == value.String && strings.Contains(e.Str, "${") {
		return true, false
	}
	b, err := boolish(e)
	if err != nil {
		return true, false
	}
	return b, true
}

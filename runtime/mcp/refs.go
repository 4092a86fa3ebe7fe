package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// Where a ${...} reference may stand. The host builds what it starts or
// dials from the config as written; an interpolation module only supplies
// the values of references, so a reference may only stand where a value
// cannot change what runs or where it connects:
//
//   - env values and header values;
//   - args, each reference inside one argument: a string form of args is
//     split into arguments (JSON list or shell words) before interpolation,
//     so a value never adds, removes or moves an argument;
//   - the path, query and fragment of url, never its scheme, host or port;
//   - keys wasmgw does not act on (passed through as written).
//
// A reference in command, cwd, transport, timeout, connect_timeout,
// enabled, tools, or in a url's scheme, user info, host or port is refused
// when the config is loaded (CheckReferences).

// RefSpan is one ${...} of a string as written: Start and End delimit it
// (End past its "}").
type RefSpan struct{ Start, End int }

// RefSpans returns the ${...} references of s in order: each runs from a
// "${" to the first "}" after it (what the built-in module and the masked
// display read as one reference, whatever its body).
func RefSpans(s string) []RefSpan {
	var spans []RefSpan
	for i := 0; i < len(s); {
		start := strings.Index(s[i:], "${")
		if start < 0 {
			break
		}
		start += i
		end := strings.IndexByte(s[start+2:], '}')
		if end < 0 {
			break
		}
		end += start + 3
		spans = append(spans, RefSpan{start, end})
		i = end
	}
	return spans
}

// noRefKeys are the entry keys the host acts on whose values must be
// written in full: no reference anywhere in them.
var noRefKeys = []string{"command", "cwd", "transport", "timeout", "connect_timeout", "enabled", "tools"}

// CheckReferences refuses a server entry with a ${...} reference where a
// value would decide what the host starts or dials (see above), and turns a
// string form of args into the list of arguments it denotes, each
// reference kept inside its argument. Errors name the field.
func CheckReferences(name string, v *Value) error {
	if v == nil || v.Kind != value.Object {
		return nil
	}
	for i, key := range v.Keys {
		item := v.Items[i]
		switch {
		case slices.Contains(noRefKeys, key) && (item.Kind == value.String || item.Kind == value.Object || item.Kind == value.Array && key == "tools"):
			// (A value of the wrong kind is refused by DecodeValue, with
			// the clearer "want a string".)
			var where string
			item.Walk(key, func(path string, leaf *Value) bool {
				if where == "" && leaf.Kind == value.String && strings.Contains(leaf.Str, "${") {
					where = path
				}
				return where == ""
			})
			if where != "" {
				return &ConfigError{Server: name, Field: where, Msg: "a ${...} reference is not allowed here: the host runs and dials what the config writes, so " + key + " must be written in full (references may stand in env and header values, in arguments, and in the path or query of url)"}
			}
		case key == "url" && item.Kind == value.String:
			if err := checkURLRefs(item.Str); err != nil {
				return &ConfigError{Server: name, Field: "url", Msg: err.Error()}
			}
		case key == "args" && item.Kind == value.String && strings.Contains(item.Str, "${"):
			list, err := splitArgsTemplate(item.Str)
			if err != nil {
				return &ConfigError{Server: name, Field: "args", Msg: err.Error()}
			}
			v.Items[i] = list
		}
	}
	return nil
}

// checkURLRefs refuses a reference before the end of a URL's authority:
// the scheme, user info, host and port are the config's.
func checkURLRefs(s string) error {
	spans := RefSpans(s)
	if len(spans) == 0 {
		return nil
	}
	const msg = "a ${...} reference may stand only in the path or query of url, not in its scheme, host or port: write the server's address in full"
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || strings.Contains(scheme, "${") {
		return errors.New(msg)
	}
	authEnd := len(scheme) + 3 + len(rest)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authEnd = len(scheme) + 3 + i
	}
	if spans[0].Start < authEnd {
		return errors.New(msg)
	}
	return nil
}

// splitArgsTemplate splits the string form of args as DecodeValue would
// (a JSON list when it starts with [ or {, else shell words), with each
// ${...} kept whole inside the argument it stands in.
func splitArgsTemplate(s string) (*Value, error) {
	text := strings.TrimSpace(s)
	out := &Value{Kind: value.Array}
	if text[0] == '[' || text[0] == '{' {
		var list []any
		if err := json.Unmarshal([]byte(text), &list); err != nil {
			return nil, errors.New("looks like a list but is not a JSON list of strings")
		}
		for _, it := range list {
			switch x := it.(type) {
			case string:
				out.Items = append(out.Items, &Value{Kind: value.String, Str: x})
			case float64:
				out.Items = append(out.Items, &Value{Kind: value.String, Str: strconv.FormatFloat(x, 'g', -1, 64)})
			default:
				return nil, errors.New("looks like a list but is not a JSON list of strings")
			}
		}
		return out, nil
	}
	// Each reference becomes a placeholder no config can hold (NUL is
	// refused), so quoting and spaces inside its body cannot split it.
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errors.New("holds a NUL byte")
	}
	spans := RefSpans(s)
	var b strings.Builder
	last := 0
	for k, sp := range spans {
		b.WriteString(s[last:sp.Start])
		fmt.Fprintf(&b, "\x00%d\x00", k)
		last = sp.End
	}
	b.WriteString(s[last:])
	words, err := shellSplit(b.String())
	if err != nil {
		return nil, err
	}
	for _, w := range words {
		for k := len(spans) - 1; k >= 0; k-- {
			w = strings.ReplaceAll(w, fmt.Sprintf("\x00%d\x00", k), s[spans[k].Start:spans[k].End])
		}
		out.Items = append(out.Items, &Value{Kind: value.String, Str: w})
	}
	return out, nil
}

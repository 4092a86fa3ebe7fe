package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/wasmgw/wasmgw/abi"
)

// ParseJSON decodes one JSON value, keeping object key order and number
// literals. Duplicate keys, trailing data and nesting deeper than 64 levels
// are refused.
func ParseJSON(data []byte) (*Value, error) {
	if v, ok := fastParse(data); ok {
		return v, nil
	}
	return parseJSONDecoder(data)
}

// parseJSONDecoder is ParseJSON on encoding/json's decoder: the reference
// of fastParse, and what words ParseJSON's errors.
func parseJSONDecoder(data []byte) (*Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	nodes := 0
	v, err := parseJSON(dec, 0, &nodes)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func parseJSON(dec *json.Decoder, depth int, nodes *int) (*Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	if *nodes++; *nodes > maxNodes {
		return nil, fmt.Errorf("more than %d values", maxNodes)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		v := &Value{Kind: Array}
		if t == '{' {
			v.Kind = Object
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if seen[k] {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				seen[k] = true
				item, err := parseJSON(dec, depth+1, nodes)
				if err != nil {
					return nil, err
				}
				v.Keys = append(v.Keys, k)
				v.Items = append(v.Items, item)
			}
		} else {
			for dec.More() {
				item, err := parseJSON(dec, depth+1, nodes)
				if err != nil {
					return nil, err
				}
				v.Items = append(v.Items, item)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return v, nil
	case string:
		return &Value{Kind: String, Str: t}, nil
	case json.Number:
		return &Value{Kind: Number, Str: string(t)}, nil
	case bool:
		return &Value{Kind: Bool, Bool: t}, nil
	}
	return &Value{Kind: Null}, nil
}

// MarshalJSON encodes v with its keys in order.
func (v *Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends v as JSON to b.
func (v *Value) AppendJSON(b []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch v.Kind {
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Number:
		return append(b, v.Str...)
	case String:
		return abi.AppendString(b, v.Str)
	case Array:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendJSON(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, k := range v.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = abi.AppendString(b, k)
			b = append(b, ':')
			b = v.Items[i].AppendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// JSON returns v encoded as JSON.
func (v *Value) JSON() json.RawMessage { return v.AppendJSON(nil) }

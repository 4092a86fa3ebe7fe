package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// inputError says what is wrong with a tool's input in the terms of JSON,
// the language of whoever wrote the input, not Go's ("cannot unmarshal
// array into Go value of type main.Input").
func inputError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		want := jsonKind(te.Type)
		if te.Field == "" {
			return fmt.Errorf("input: must be %s, not %s", want, article(te.Value))
		}
		return fmt.Errorf("input: field %q must be %s, not %s", te.Field, want, article(te.Value))
	case errors.As(err, &se):
		return fmt.Errorf("input: not valid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("input: the JSON ends before its value is complete")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("input: unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return fmt.Errorf("input: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a JSON value"
}

// article puts "a"/"an" before the JSON kind json reports ("array",
// "number 1.5", "string").
func article(v string) string {
	switch {
	case v == "":
		return "that"
	case strings.HasPrefix(v, "array") || strings.HasPrefix(v, "object"):
		return "an " + v
	}
	return "a " + v
}

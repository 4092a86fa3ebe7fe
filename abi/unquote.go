package abi

import "github.com/wasmgw/wasmgw/abi/jsonlex"

// Unquote decodes the body of a valid JSON string (the text between its
// quotes) as encoding/json does: escapes decoded, a lone or mismatched
// surrogate and every byte of invalid UTF-8 replaced by U+FFFD. The caller
// has checked the escapes; Unquote does not. It is [jsonlex.Unquote].
func Unquote(s string) string { return jsonlex.Unquote(s) }

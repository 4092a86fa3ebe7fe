// Package jsonlex is the JSON lexical grammar shared by the three
// hand-written JSON scanners: the envelope decoder in abi, the
// interpolation walker in guest/interp and the MCP entry parser in
// runtime/internal/value. It exists so that they share one definition of
// the grammar (white space, numbers, string literals with their escapes,
// and the decoding of a string's body, \u escapes and surrogate pairs
// included) instead of three copies that could drift apart. [Valid], a
// whole-document validator built on the same tokens, is what the host
// checks a call's JSON input and output with.
//
// It is internal to the module: guests (compiled to wasip1) and the host
// both import it, through abi, guest/interp and the host's MCP values, and
// nothing outside the module needs it. It is small, allocation-free
// (except for [Unquote]'s result, and [Valid] past 256 levels of
// nesting), and uses neither reflection nor encoding/json. Each scanner
// keeps its own structure (objects, arrays, literals, what it records);
// only the tokens are read here.
//
// Every token function takes the input and an index into it and returns
// the index where the token ends, or, when the input is not valid JSON
// there, the offset of the problem. The fuzz targets FuzzString, FuzzNumber and
// FuzzValid hold it to encoding/json.
package jsonlex

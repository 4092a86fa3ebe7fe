// Package dotenv parses .env files: the grammar is in docs/dotenv.md. A
// parse error names the file and line, never the line's text (a value may
// be a secret).
package dotenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
)

// Error names the file and line of a bad .env line. It never carries
// the line's text: a value may be a secret.
type Error struct {
	// File is the path of the .env file.
	File string
	// Line is the 1-based line number.
	Line int
	// Msg says what is wrong, without the line's text.
	Msg string
}

// Error returns "FILE line N: MSG".
func (e *Error) Error() string {
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
}

// Parse parses the bytes of a .env file with the semantics of the
// reference agent's parser (the grammar is in docs/dotenv.md), stricter on purpose:
// invalid UTF-8, a line with no '=', an empty key or a key outside
// [A-Za-z_][A-Za-z0-9_.-]* is an error naming file and line. The last
// duplicate wins. Nothing is expanded and nothing touches the process
// environment.
func Parse(file string, data []byte) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	vars := map[string]string{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		lineNo := i + 1
		if !utf8.Valid(raw) {
			return nil, &Error{file, lineNo, "invalid UTF-8"}
		}
		line := strings.Trim(string(raw), asciiSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, rest, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &Error{file, lineNo, "missing '='"}
		}
		key = strings.Trim(key, asciiSpace)
		if key == "" {
			return nil, &Error{file, lineNo, "empty key"}
		}
		if !abi.ValidSecretName(key) {
			return nil, &Error{file, lineNo, "invalid key " + showKey(key) + " (want [A-Za-z_][A-Za-z0-9_.-]*)"}
		}
		vars[key] = dotenvValue(strings.Trim(rest, asciiSpace))
	}
	return vars, nil
}

const asciiSpace = " \t\r\n\v\f"

// maxShownKey is the longest invalid key an error quotes.
const maxShownKey = 40

// showKey quotes an invalid key for an error when it reads as a mistyped
// name (short, no base64 or PEM characters); otherwise it gives only its
// length: the text before the first '=' of a line may be part of a
// pasted value (a PEM or base64 body ends in '=' padding).
func showKey(key string) string {
	if len(key) > maxShownKey || strings.ContainsAny(key, "+/") {
		return fmt.Sprintf("(%d bytes, not shown: it may be part of a value)", len(key))
	}
	return strconv.Quote(key)
}

// dotenvValue cuts comments and unquotes a stripped value.
func dotenvValue(v string) string {
	if v == "" {
		return ""
	}
	if q := v[0]; q == '"' || q == '\'' {
		if end := closingQuote(v, q); end > 0 {
			tail := strings.TrimLeft(v[end+1:], asciiSpace)
			if tail == "" || tail[0] == '#' {
				v = v[:end+1]
			}
		}
	} else {
		for i := 1; i < len(v); i++ {
			if v[i] == '#' && strings.IndexByte(asciiSpace, v[i-1]) >= 0 {
				v = strings.TrimRight(v[:i], asciiSpace)
				break
			}
		}
	}
	return unquote(v)
}

// closingQuote returns the index of the quote closing v[0], or -1.
func closingQuote(v string, q byte) int {
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q:
			return i
		}
	}
	return -1
}

// unquote drops matching surrounding quotes; inside double quotes \" and \\
// are unescaped and every other backslash stays literal.
func unquote(v string) string {
	if len(v) < 2 || v[0] != v[len(v)-1] || (v[0] != '"' && v[0] != '\'') {
		return v
	}
	inner := v[1 : len(v)-1]
	if v[0] == '\'' {
		return inner
	}
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' && i+1 < len(inner) && (inner[i+1] == '"' || inner[i+1] == '\\') {
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String()
}

// Read reads and parses the .env file at path; a missing file is an empty
// one (nil, nil).
func Read(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .env: %w", err)
	}
	return Parse(path, data)
}

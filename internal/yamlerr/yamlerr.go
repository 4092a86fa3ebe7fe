// Package yamlerr corrects the line numbers of yaml.v3's syntax errors.
//
// yaml.v3 reports a parser error (as opposed to a scanner error) at its
// 0-based line: "did not find expected ',' or ']'" for a flow sequence left
// open on line 6 says "line 5". Scanner errors are right. Fix adds one to
// the line of the parser errors, whose messages are listed here from
// yaml.v3's parserc.go.
//
// It is internal to the module, not to runtime: the runtime's config.yaml
// parser and the relay's parser of the gateway settings both use it, so
// that every config.yaml error in wasmgw names the same line.
package yamlerr

import (
	"fmt"
	"strconv"
	"strings"
)

// isParserError reports whether problem is one yaml.v3's parser (not its
// scanner) reports.
func isParserError(problem string) bool {
	switch problem {
	case "did not find expected key",
		"did not find expected '-' indicator",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected node content",
		"did not find expected <document start>",
		"found incompatible YAML document",
		"found duplicate %YAML directive",
		"found duplicate %TAG directive",
		"found undefined tag handle":
		return true
	}
	return false
}

// Fix returns err as "FILE line N: invalid YAML: PROBLEM", a parser
// error's line corrected; an error without a line is wrapped in file.
func Fix(file string, err error) error {
	line, problem, ok := split(err)
	if !ok {
		return fmt.Errorf("%s: %w", file, err)
	}
	return fmt.Errorf("%s line %d: invalid YAML: %s", file, line, problem)
}

// Text returns err as "line N: PROBLEM", a parser error's line corrected,
// or err's text without its "yaml: " prefix.
func Text(err error) string {
	line, problem, ok := split(err)
	if !ok {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	return fmt.Sprintf("line %d: %s", line, problem)
}

func split(err error) (int, string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "yaml: line ")
	if !ok {
		return 0, "", false
	}
	num, problem, ok := strings.Cut(rest, ": ")
	n, perr := strconv.Atoi(num)
	if !ok || perr != nil {
		return 0, "", false
	}
	if isParserError(problem) {
		n++
	}
	return n, problem, true
}

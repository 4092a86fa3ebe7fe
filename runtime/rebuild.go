package runtime

import (
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// The host builds what it runs. An interpolation module's answer is used
// only for the values of the ${...} references of the entry as written:
// the entry that is started or dialled is rebuilt here from the template,
// text outside references copied from the config, so a module cannot
// change a command, add or move an argument, or redirect a URL (where
// references may stand at all is mcp.CheckReferences's rule, applied when
// the config is loaded). A reference whose body is a plain name must
// resolve to that name's value in the profile's scope, as the module's
// grants allow it, or stay as written: a module cannot put a secret the
// config never referenced in its place. Only a reference in a syntax of
// the module's own (${NAME:-x}, ...) takes whatever text the module puts
// there.

// rebuildEntry returns the entry to act on: template (the entry as
// written) with each reference replaced by its value, checked against what
// the module returned (got, of the same shape, validated by
// validateParsed). Errors name fields and names, never values.
func rebuildEntry(template, got *mcp.Value, refs []abi.Reference, scope *Scope, grants []string) (*mcp.Value, error) {
	resolved := map[string][]string{}
	for _, r := range refs {
		if r.Outcome == abi.RefResolved {
			resolved[r.Path] = append(resolved[r.Path], r.Name)
		}
	}
	out := template.Clone()
	var leaves []*mcp.Value
	out.Leaves(func(_ string, leaf *mcp.Value) { leaves = append(leaves, leaf) })
	var err error
	i := 0
	value.ZipLeaves(template, got, func(path []byte, x, y *mcp.Value) {
		leaf := leaves[i]
		i++
		if err != nil {
			return
		}
		if leaf.Str, err = rebuildString(x.Str, y.Str, resolved[string(path)], scope, grants); err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
	})
	if err != nil {
		return nil, err
	}
	if i != len(leaves) {
		return nil, fmt.Errorf("the entry changed shape")
	}
	return out, nil
}

// rebuildString rebuilds one string field from its template: literal text
// as written; a plain-name reference as its value in scope when the module
// reported it resolved, else as written; any other reference as the text
// the module put in its place, found by matching what the module returned
// against the template.
func rebuildString(template, returned string, resolvedNames []string, scope *Scope, grants []string) (string, error) {
	spans := mcp.RefSpans(template)
	if len(spans) == 0 {
		if returned != template {
			return "", fmt.Errorf("changed, but it holds no reference")
		}
		return template, nil
	}
	// The template as a sequence of known texts and holes (references in
	// a syntax of the module's own).
	type part struct {
		text string
		hole bool
	}
	parts := make([]part, 0, 2*len(spans)+1)
	last := 0
	for _, sp := range spans {
		parts = append(parts, part{text: template[last:sp.Start]})
		literal := template[sp.Start:sp.End]
		name := refName(literal[2 : len(literal)-1])
		switch {
		case !abi.ValidSecretName(name):
			parts = append(parts, part{hole: true})
		case containsName(resolvedNames, name):
			v, outcome := scope.Lookup(name, grants)
			if outcome != OutcomeGranted || v == "" {
				return "", fmt.Errorf("${%s} was reported resolved, but the module may not read it or it is not set", name)
			}
			parts = append(parts, part{text: v})
		default:
			parts = append(parts, part{text: literal})
		}
		last = sp.End
	}
	parts = append(parts, part{text: template[last:]})
	// Adjacent known texts are one: a hole then lies between two texts
	// (or an end), which makes leftmost matching exact.
	merged := parts[:1]
	for _, p := range parts[1:] {
		if prev := &merged[len(merged)-1]; !p.hole && !prev.hole {
			prev.text += p.text
			continue
		}
		merged = append(merged, p)
	}
	parts = merged

	// Match: known texts in order, each hole taking what lies between
	// (leftmost; the first known text anchors the start, the last the
	// end). What the module returned must be exactly that.
	var b strings.Builder
	pos := 0
	afterHole := false
	mismatch := fmt.Errorf("the module changed text outside its ${...} references, or put in a plain reference's place something other than that name's value")
	for k, p := range parts {
		if p.hole {
			afterHole = true
			continue
		}
		at := pos
		switch {
		case k == len(parts)-1 && afterHole:
			at = len(returned) - len(p.text)
			if at < pos || returned[at:] != p.text {
				return "", mismatch
			}
		case afterHole:
			j := strings.Index(returned[pos:], p.text)
			if j < 0 {
				return "", mismatch
			}
			at = pos + j
		default:
			if !strings.HasPrefix(returned[pos:], p.text) {
				return "", mismatch
			}
		}
		if afterHole {
			b.WriteString(returned[pos:at]) // the module's value for the hole
		}
		b.WriteString(p.text)
		pos, afterHole = at+len(p.text), false
	}
	if pos != len(returned) {
		return "", mismatch
	}
	return b.String(), nil
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

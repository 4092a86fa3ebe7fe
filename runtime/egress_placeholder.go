package runtime

// Secret placeholders ({{secret:NAME}}): finding them in request text,
// counting the distinct names, and substituting granted values.

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// distinctNames returns the distinct names of refs, sorted, in linear time
// (plus the sort of at most maxPlaceholderNames names); an error when
// there are more than maxPlaceholderNames.
func distinctNames(refs []placeholderRef) ([]string, error) {
	seen := make(map[string]struct{}, min(len(refs), maxPlaceholderNames+1))
	var out []string
	for _, r := range refs {
		if _, ok := seen[r.name]; ok {
			continue
		}
		if len(out) == maxPlaceholderNames {
			return nil, fmt.Errorf("a request may name at most %d distinct secrets in {{secret:...}} placeholders", maxPlaceholderNames)
		}
		seen[r.name] = struct{}{}
		out = append(out, r.name)
	}
	sort.Strings(out)
	return out, nil
}

const placeholderOpen, placeholderClose = "{{secret:", "}}"

// findPlaceholders returns the names of the placeholders in s, in order. A
// "{{secret:" that does not start a well-formed placeholder is an error, so
// a typo is never sent as literal text, and so is more than limit
// placeholders.
func findPlaceholders(s string, limit int) ([]string, error) {
	var names []string
	for {
		i := strings.Index(s, placeholderOpen)
		if i < 0 {
			return names, nil
		}
		if len(names) >= limit {
			return nil, fmt.Errorf("more than %d {{secret:...}} placeholders in one request", maxPlaceholderRefs)
		}
		s = s[i+len(placeholderOpen):]
		j := strings.Index(s, placeholderClose)
		if j < 0 {
			return nil, errors.New("unterminated {{secret:...}} placeholder")
		}
		name := s[:j]
		if !ValidSecretName(name) {
			return nil, errors.New("malformed {{secret:NAME}} placeholder (NAME is [A-Za-z_][A-Za-z0-9_.-]*)")
		}
		names = append(names, name)
		s = s[j+len(placeholderClose):]
	}
}

// substitute replaces every placeholder of a name in values with esc of
// its value; s is returned as it is when it holds no placeholder.
func substitute(s string, values map[string]string, esc func(string) string) string {
	if !strings.Contains(s, placeholderOpen) {
		return s
	}
	args := make([]string, 0, 2*len(values))
	for n, v := range values {
		args = append(args, placeholderOpen+n+placeholderClose, esc(v))
	}
	return strings.NewReplacer(args...).Replace(s)
}

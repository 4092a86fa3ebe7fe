package egress

// Secret placeholders ({{secret:NAME}}): where they may stand, finding them
// in request text, counting the distinct names, and substituting granted
// values.

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Placement of a placeholder in a request.
const (
	// PlaceHeader: a header value.
	PlaceHeader = "header"
	// PlaceQuery: the URL query.
	PlaceQuery = "query"
	// PlaceBody: the request body.
	PlaceBody = "body"
	// PlaceOther: the URL path, host or fragment, where nothing is
	// substituted.
	PlaceOther = "url"
)

// Ref is one placeholder of a request: the secret it names and where it
// stands (one of the Place constants).
type Ref struct {
	Name  string
	Place string
}

// Bounds of the placeholders of one request: the host's work on them (and
// the audit records and log lines they cause) stays small whatever the
// guest sends.
const (
	// MaxPlaceholderNames bounds the distinct secrets one request names.
	MaxPlaceholderNames = 32
	// MaxPlaceholderRefs bounds the placeholders of one request, repeats
	// included.
	MaxPlaceholderRefs = 1024
)

// distinctNames returns the distinct names of refs, sorted, in linear time
// (plus the sort of at most MaxPlaceholderNames names); an error when
// there are more than MaxPlaceholderNames.
func distinctNames(refs []Ref) ([]string, error) {
	seen := make(map[string]struct{}, min(len(refs), MaxPlaceholderNames+1))
	var out []string
	for _, r := range refs {
		if _, ok := seen[r.Name]; ok {
			continue
		}
		if len(out) == MaxPlaceholderNames {
			return nil, fmt.Errorf("a request may name at most %d distinct secrets in {{secret:...}} placeholders", MaxPlaceholderNames)
		}
		seen[r.Name] = struct{}{}
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out, nil
}

const placeholderOpen, placeholderClose = "{{secret:", "}}"

// FindPlaceholders returns the names of the placeholders in s, in order. A
// "{{secret:" that does not start a well-formed placeholder (a NAME valid
// reports false for) is an error, so a typo is never sent as literal text,
// and so is more than limit placeholders.
func FindPlaceholders(s string, limit int, valid func(string) bool) ([]string, error) {
	var names []string
	for {
		i := strings.Index(s, placeholderOpen)
		if i < 0 {
			return names, nil
		}
		if len(names) >= limit {
			return nil, fmt.Errorf("more than %d {{secret:...}} placeholders in one request", MaxPlaceholderRefs)
		}
		s = s[i+len(placeholderOpen):]
		j := strings.Index(s, placeholderClose)
		if j < 0 {
			return nil, errors.New("unterminated {{secret:...}} placeholder")
		}
		name := s[:j]
		if !valid(name) {
			return nil, errors.New("malformed {{secret:NAME}} placeholder (NAME is [A-Za-z_][A-Za-z0-9_.-]*)")
		}
		names = append(names, name)
		s = s[j+len(placeholderClose):]
	}
}

// Substitute replaces every placeholder of a name in values with esc of
// its value; s is returned as it is when it holds no placeholder.
func Substitute(s string, values map[string]string, esc func(string) string) string {
	if !strings.Contains(s, placeholderOpen) {
		return s
	}
	args := make([]string, 0, 2*len(values))
	for n, v := range values {
		args = append(args, placeholderOpen+n+placeholderClose, esc(v))
	}
	return strings.NewReplacer(args...).Replace(s)
}

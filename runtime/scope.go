package runtime

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// DefaultGlobalAllowlist names the host variables every guest may read (the
// reference's list). Exact names only: a new secret must never become global
// by choosing a trusted-looking name.
const DefaultGlobalAllowlist = "PATH HOME USER LANG LC_ALL TZ TMPDIR SSL_CERT_FILE HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy"

// reservedPrefix marks relay auth material: host settings no guest may read,
// whatever a profile's .env holds.
const reservedPrefix = "GATEWAY_RELAY_"

// Globals is the snapshot, taken once at start, of the host variables on
// the global allowlist. It never changes afterwards.
type Globals struct {
	values map[string]string
}

// NewGlobals snapshots from environ (os.Environ() form, "K=V") the names on
// allowlist (space- or comma-separated). Names with the relay prefix are
// never global.
func NewGlobals(environ []string, allowlist string) Globals {
	allowed := map[string]bool{}
	for _, n := range strings.FieldsFunc(allowlist, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' }) {
		if !strings.HasPrefix(n, reservedPrefix) {
			allowed[n] = true
		}
	}
	g := Globals{values: map[string]string{}}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && allowed[k] {
			g.values[k] = v
		}
	}
	return g
}

// Outcome is the result of one secret lookup, as audited.
type Outcome string

// Outcomes of a lookup.
const (
	OutcomeGranted  Outcome = "granted"
	OutcomeNotFound Outcome = "not_found"
	OutcomeDenied   Outcome = "denied"
	OutcomeInvalid  Outcome = "invalid"
)

// Scope is one profile's secrets at one generation: an immutable value. Host
// code receives a scope explicitly; there is no ambient one.
type Scope struct {
	profile    string
	generation string
	values     map[string]scopeValue
	globals    Globals

	// never names values redaction leaves alone (wasmgw.redact.never).
	never map[string]bool

	redactOnce sync.Once
	all        *redact.Set

	// sorted is Names, made once (a scope's values never change).
	namesOnce sync.Once
	sorted    []string
}

// scopeValue is one value of a profile, with what a lookup of it needs to
// know, worked out once per scope rather than on every lookup.
type scopeValue struct {
	// name is the map's key: a lookup answers with it, so that a name
	// read from a guest's memory is not copied for each read.
	name, value string
	// redactable: see Scope.redactable. plain: Lookup answers the name
	// from the profile's values (a valid name, neither reserved nor a
	// global), so grants alone decide.
	redactable, plain bool
	// index is the name's place in Names, for a binding's record of what
	// it has learned.
	index int
}

// newScope returns the scope of profile with the given values (which it
// copies) and globals. generation identifies the .env it came from.
func newScope(profile, generation string, values map[string]string, globals Globals) *Scope {
	s := &Scope{profile: profile, generation: generation, values: make(map[string]scopeValue, len(values)), globals: globals}
	for k, v := range values {
		s.values[k] = scopeValue{name: k, value: v}
	}
	for i, k := range s.sortedNames() {
		sv := s.values[k]
		_, global := globals.values[k]
		sv.index, sv.redactable = i, s.redactable(k)
		sv.plain = abi.ValidSecretName(k) && !strings.HasPrefix(k, reservedPrefix) && !global
		s.values[k] = sv
	}
	return s
}

// Generation identifies the .env the scope was read from; it changes when
// the file does.
func (s *Scope) Generation() string { return s.generation }

// Names returns the sorted names the profile defines (not the globals).
func (s *Scope) Names() []string { return slices.Clone(s.sortedNames()) }

// sortedNames is Names without the copy: the caller must not change it.
func (s *Scope) sortedNames() []string {
	s.namesOnce.Do(func() {
		s.sorted = make([]string, 0, len(s.values))
		for k := range s.values {
			s.sorted = append(s.sorted, k)
		}
		sort.Strings(s.sorted)
	})
	return s.sorted
}

// Lookup resolves name for a module with the given grants (nil: every name
// of the profile). Relay auth material is denied; a global name is answered
// from the host snapshot; anything else only from the profile's values. A
// miss is never answered from the process environment.
func (s *Scope) Lookup(name string, grants []string) (string, Outcome) {
	if !abi.ValidSecretName(name) {
		return "", OutcomeInvalid
	}
	if strings.HasPrefix(name, reservedPrefix) {
		return "", OutcomeDenied
	}
	if v, ok := s.globals.values[name]; ok {
		return v, OutcomeGranted
	}
	if !granted(grants, name) {
		return "", OutcomeDenied
	}
	sv, ok := s.values[name]
	if !ok {
		return "", OutcomeNotFound
	}
	return sv.value, OutcomeGranted
}

// lookupBytes is Lookup of a name held as bytes (a guest's memory), which
// it does not keep. It returns the name (sv.name) as a string of its own:
// the scope's when the name is one of the profile's values, so that a read
// of a value allocates nothing; a copy otherwise. sv.value is the value
// when granted.
func (s *Scope) lookupBytes(raw []byte, grants []string) (scopeValue, Outcome) {
	if sv, ok := s.values[string(raw)]; ok && sv.plain && granted(grants, sv.name) {
		return sv, OutcomeGranted
	}
	name := string(raw)
	v, outcome := s.Lookup(name, grants)
	// A global, or a name refused: index -1, learned by no binding.
	return scopeValue{name: name, value: v, index: -1}, outcome
}

// granted reports whether grants (nil: every name) hold name.
func granted(grants []string, name string) bool {
	return grants == nil || slices.Contains(grants, name)
}

// neverRedacted returns a copy of s whose values named in names are never
// scrubbed (config.yaml wasmgw.redact.never: settings, not secrets).
func (s *Scope) neverRedacted(names []string) *Scope {
	if len(names) == 0 {
		return s
	}
	c := &Scope{profile: s.profile, generation: s.generation, values: make(map[string]scopeValue, len(s.values)), globals: s.globals}
	c.never = map[string]bool{}
	for _, n := range names {
		c.never[n] = true
	}
	for k, sv := range s.values {
		sv.redactable = sv.redactable && !c.never[k]
		c.values[k] = sv
	}
	return c
}

// redactable reports whether the profile value called name is one that
// redaction may scrub: the profile's own (not a host global) and not named
// in wasmgw.redact.never.
func (s *Scope) redactable(name string) bool {
	if s.never[name] {
		return false
	}
	_, global := s.globals.values[name]
	_, own := s.values[name]
	return own && !global
}

// worthScrubbing returns the set of the profile's values worth scrubbing (see
// redact.Worth), less those named in wasmgw.redact.never.
func (s *Scope) worthScrubbing() *redact.Set {
	s.redactOnce.Do(func() {
		m := make(map[string]string, len(s.values))
		for k, sv := range s.values {
			if sv.redactable {
				m[k] = sv.value
			}
		}
		s.all = redact.NewSet(m)
	})
	return s.all
}

// Redact replaces every value of the profile worth scrubbing (see
// redact.Worth; never those named in wasmgw.redact.never) in text with
// "[REDACTED:NAME]". It is for operator-facing text only (mcp resolve, the
// audit): what may reach a chat user is scrubbed of what its author could
// have learned, with a marker that names nothing (see binding.learned).
func (s *Scope) Redact(text string) string {
	return s.worthScrubbing().Text(text, redact.Named)
}

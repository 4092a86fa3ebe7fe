package runtime

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
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
	values     map[string]string
	globals    Globals

	redactOnce sync.Once
	redactor   *strings.Replacer
}

// NewScope returns the scope of profile with the given values (which it
// copies) and globals. generation identifies the .env it came from.
func NewScope(profile, generation string, values map[string]string, globals Globals) *Scope {
	return &Scope{profile: profile, generation: generation, values: maps(values), globals: globals}
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Profile returns the name of the scope's profile.
func (s *Scope) Profile() string { return s.profile }

// Generation identifies the .env the scope was read from; it changes when
// the file does.
func (s *Scope) Generation() string { return s.generation }

// Names returns the sorted names the profile defines (not the globals).
func (s *Scope) Names() []string {
	names := make([]string, 0, len(s.values))
	for k := range s.values {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Lookup resolves name for a module with the given grants (nil: every name
// of the profile). Relay auth material is denied; a global name is answered
// from the host snapshot; anything else only from the profile's values. A
// miss is never answered from the process environment.
func (s *Scope) Lookup(name string, grants []string) (string, Outcome) {
	if !ValidSecretName(name) {
		return "", OutcomeInvalid
	}
	if strings.HasPrefix(name, reservedPrefix) {
		return "", OutcomeDenied
	}
	if v, ok := s.globals.values[name]; ok {
		return v, OutcomeGranted
	}
	if grants != nil && !slices.Contains(grants, name) {
		return "", OutcomeDenied
	}
	v, ok := s.values[name]
	if !ok {
		return "", OutcomeNotFound
	}
	return v, OutcomeGranted
}

// minRedactLen is the shortest value the redactor replaces: shorter values
// would mangle ordinary text and are not worth a secret's name.
const minRedactLen = 4

// Redact replaces every value of the profile (at least minRedactLen bytes
// long) in s with "[REDACTED:NAME]". Logs, errors and audit records that
// may carry guest-supplied text go through it.
func (s *Scope) Redact(text string) string {
	s.redactOnce.Do(func() {
		type kv struct{ k, v string }
		var pairs []kv
		for k, v := range s.values {
			if len(v) >= minRedactLen {
				pairs = append(pairs, kv{k, v})
			}
		}
		// Longest first, so a value containing another is replaced whole.
		sort.Slice(pairs, func(i, j int) bool {
			if len(pairs[i].v) != len(pairs[j].v) {
				return len(pairs[i].v) > len(pairs[j].v)
			}
			return pairs[i].k < pairs[j].k
		})
		args := make([]string, 0, 4*len(pairs))
		for _, p := range pairs {
			args = append(args, p.v, "[REDACTED:"+p.k+"]")
			// The same value as it appears inside a JSON string.
			if j, _ := json.Marshal(p.v); string(j[1:len(j)-1]) != p.v {
				args = append(args, string(j[1:len(j)-1]), "[REDACTED:"+p.k+"]")
			}
		}
		s.redactor = strings.NewReplacer(args...)
	})
	return s.redactor.Replace(text)
}

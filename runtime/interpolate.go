package runtime

// MCP server interpolation: a profile's mcp_servers entries are resolved
// inside a guest module whose only capability is the profile-bound secret
// lookup (abi.ExportInterpolate), and what it returns is validated here
// before anything is started or connected with it. See docs/mcp.md.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// DefaultInterpolation is the interpolation module a profile gets when its
// config names none.
const DefaultInterpolation = builtin.Prefix + "interpolate"

// interpolationModule returns the profile's interpolation module, loading
// it on first use. wasmgw.interpolation names a key of wasmgw.modules
// (which gives it that module's grants and limits) or a module path,
// builtin:interpolate by default, which may read every name of its own
// profile (the names a config references are exactly what it is for) under
// the profile's limits. Its instances are pooled like any module's: an
// instance is bound to this profile only and could read every value it
// resolved anyway, so what a previous call left in its memory tells it
// nothing new; a fresh instance per call would cost a Go guest's
// instantiation (about 5 ms) on every resolution. A profile that wants it
// anyway names its own module with fresh_per_call: true.
func (t *Tenant) interpolationModule(ctx context.Context) (*tenantModule, error) {
	t.mcp.interpMu.Lock()
	defer t.mcp.interpMu.Unlock()
	if t.mcp.interp != nil {
		return t.mcp.interp, nil
	}
	ref := t.profile.Config.Interpolation
	if ref == "" {
		ref = DefaultInterpolation
	}
	tm, ok := t.modules[ref]
	if !ok {
		var err error
		mc := ModuleConfig{Name: "interpolate", Path: ref}
		if tm, err = t.load(ctx, mc, t.profile.Config.Limits.withDefaults(DefaultLimits())); err != nil {
			return nil, fmt.Errorf("profile %q: interpolation module %q: %w", t.profile.Name, ref, err)
		}
	}
	if !tm.mod.Exports(abi.ExportInterpolate) {
		return nil, fmt.Errorf("profile %q: interpolation module %q exports no %s", t.profile.Name, ref, abi.ExportInterpolate)
	}
	t.mcp.interp, t.mcp.interpOwned = tm, !ok // an own instance is drained by closeMCP
	return tm, nil
}

// Interpolate resolves one MCP server entry (JSON) in the profile's
// interpolation module and returns what the module resolved, after
// checking that it is a valid answer for that entry (see
// validateInterpolation). The result's Entry holds secret values: never
// log or print it. Errors name the profile and server and hold no value.
func (t *Tenant) Interpolate(ctx context.Context, server string, entry json.RawMessage) (abi.InterpolateResult, error) {
	scope, err := t.profile.Scope()
	if err != nil {
		return abi.InterpolateResult{}, err
	}
	res, _, err := t.interpolate(ctx, scope, server, entry, false)
	return res, err
}

// interpolate resolves entry; the resolved entry comes back as a value too
// when wantValue is set.
func (t *Tenant) interpolate(ctx context.Context, scope *Scope, server string, entry json.RawMessage, wantValue bool) (abi.InterpolateResult, *mcp.Value, error) {
	fail := func(err error) (abi.InterpolateResult, *mcp.Value, error) {
		return abi.InterpolateResult{}, nil, fmt.Errorf("profile %q: mcp server %q: %w", t.profile.Name, server, err)
	}
	tm, err := t.interpolationModule(ctx)
	if err != nil {
		return abi.InterpolateResult{}, nil, err
	}
	// The request is written by hand from the parsed entry (compact, keys
	// in order); an entry ParseJSON refuses goes as json.Marshal writes it,
	// and validation then refuses the result, as it always did. An entry
	// that parses is parsed, checked and written once (interpcache.go).
	var perr error
	ce := t.mcp.cache.entry(server, entry, func() (*interpEntry, bool) {
		e := &interpEntry{}
		if e.orig, perr = value.ParseJSON(entry); perr != nil {
			return e, false
		}
		// Where references may stand (and args split into arguments):
		// checked when the config is loaded, and here for any entry.
		e.refErr = mcp.CheckReferences(server, e.orig)
		e.req = appendRequest(make([]byte, 0, len(entry)+len(server)+32), server, e.orig)
		return e, true
	})
	orig := ce.orig
	if ce.refErr != nil {
		return abi.InterpolateResult{}, nil, fmt.Errorf("profile %q: %w", t.profile.Name, ce.refErr)
	}
	req := ce.req
	if perr != nil {
		if req, err = json.Marshal(abi.InterpolateRequest{Server: server, Entry: entry}); err != nil {
			return fail(fmt.Errorf("the entry is not valid JSON: %w", err))
		}
	}
	in, err := t.acquire(ctx, tm, scope)
	if err != nil {
		return fail(fmt.Errorf("interpolation module %q: %w", tm.cfg.Name, err))
	}
	status, out, err := in.call(ctx, time.Time{}, scope, nil, abi.ExportInterpolate, "", req)
	if err != nil {
		t.discard(ctx, in)
		t.log.Warn("interpolation failed; instance discarded", "module", tm.cfg.Name, "server", server, "error", err)
		return fail(fmt.Errorf("interpolation module %q: %w", tm.cfg.Name, err))
	}
	// The output is the resolved entry: unlike a tool's, it carries the
	// profile's values on purpose, so it is not redacted. It is read in
	// the instance's memory, so it is compared with the last result or
	// copied before the instance is reused.
	if status == abi.StatusOK {
		if res, resolved, ok := t.mcp.cache.result(ce, scope, out, wantValue); ok {
			// The module returned what it returned last time for this
			// entry and this scope: the same input to the same checks.
			t.release(ctx, tm, in)
			return res, resolved, nil
		}
	}
	out = bytes.Clone(out)
	learned := in.b.learned
	t.release(ctx, tm, in)
	if status != abi.StatusOK {
		var e abi.Error
		if json.Unmarshal(out, &e) != nil || e.Code == "" {
			e = abi.Error{Code: "interpolate_failed", Message: "the module failed without an error envelope"}
		}
		return fail(fmt.Errorf("interpolation module %q: %s: %s", tm.cfg.Name, learned.Text(e.Code, redact.Anonymous), learned.Text(e.Message, redact.Anonymous)))
	}
	res, resolved, err := validateParsed(orig, perr, out)
	if err == nil {
		// The host builds what it acts on: the template, with the values
		// of its references (rebuild.go).
		resolved, err = rebuildEntry(orig, resolved, res.Refs, scope, tm.cfg.Grants)
	}
	if err != nil {
		return fail(fmt.Errorf("interpolation module %q returned an invalid result: %w", tm.cfg.Name, err))
	}
	res.Entry = resolved.JSON()
	t.mcp.cache.remember(ce, scope, out, res, resolved)
	return res, resolved, nil
}

// appendRequest appends the abi.InterpolateRequest JSON for entry.
func appendRequest(b []byte, server string, entry *mcp.Value) []byte {
	b = append(b, `{"server":`...)
	b = (&mcp.Value{Kind: value.String, Str: server}).AppendJSON(b)
	b = append(b, `,"entry":`...)
	b = entry.AppendJSON(b)
	return append(b, '}')
}

// maxRefs bounds the references an interpolation result may report.
const maxRefs = 100_000

// validateInterpolation checks what an interpolation module returned for
// entry, as untrusted input, and returns it decoded:
//   - an abi.InterpolateResult (unknown fields refused) whose entry is a
//     JSON object of the same shape as the request's: the same keys, lists
//     of the same length, strings where strings were and every other value
//     as written;
//   - a string field may differ from the request's only where a reference
//     there is reported resolved, and only if it held "${";
//   - every reference names a string field of the entry, an outcome the ABI
//     defines and, unless unsupported, a valid variable name; an unresolved
//     one carries its literal, which must appear in that field as written.
//
// Errors name fields and kinds, never values.
func validateInterpolation(entry json.RawMessage, out []byte) (abi.InterpolateResult, *mcp.Value, error) {
	orig, err := value.ParseJSON(entry)
	res, got, err := validateParsed(orig, err, out)
	if err == nil {
		res.Entry = got.JSON()
	}
	return res, got, err
}

// validateParsed is validateInterpolation on the request's entry parsed
// (orig), or the error parsing it gave (perr), but for the result's Entry,
// which it leaves as the module wrote it (the host acts on the entry it
// rebuilds, not on that one).
func validateParsed(orig *mcp.Value, perr error, out []byte) (abi.InterpolateResult, *mcp.Value, error) {
	var none abi.InterpolateResult
	if perr != nil {
		return none, nil, fmt.Errorf("the request's entry: %v", perr)
	}
	res, got, ok := decodeResultFast(out)
	if !ok {
		var err error
		if res, got, err = decodeResult(out); err != nil {
			return none, nil, err
		}
	}
	if p, same := value.SameShape(orig, got); !same {
		if p == "" {
			return none, nil, errors.New("the entry changed shape: keys were added or removed")
		}
		return none, nil, fmt.Errorf("the entry changed shape at %s (keys, lists and non-string values must stay as written)", p)
	}
	if len(res.Refs) > maxRefs {
		return none, nil, fmt.Errorf("more than %d references", maxRefs)
	}
	// The string fields, in document order: path (a span of paths), the
	// request's text and the result's.
	type field struct {
		path          [2]int
		before, after string
		resolved      bool
	}
	var paths []byte
	fields := make([]field, 0, 32)
	value.ZipLeaves(orig, got, func(path []byte, x, y *mcp.Value) {
		start := len(paths)
		paths = append(paths, path...)
		fields = append(fields, field{path: [2]int{start, len(paths)}, before: x.Str, after: y.Str})
	})
	pathOf := func(f *field) []byte { return paths[f.path[0]:f.path[1]] }
	// References come in document order from the built-in module: look
	// for each from the field of the previous one on, and index every
	// field by path only if one is not found that way.
	var byPath map[string]int
	cursor := 0
	find := func(path string) (int, bool) {
		if byPath == nil {
			for i := cursor; i < len(fields); i++ {
				if string(pathOf(&fields[i])) == path {
					cursor = i
					return i, true
				}
			}
			byPath = make(map[string]int, len(fields))
			for i := len(fields) - 1; i >= 0; i-- {
				byPath[string(pathOf(&fields[i]))] = i
			}
		}
		i, ok := byPath[path]
		return i, ok
	}
	for i, r := range res.Refs {
		fi, ok := find(r.Path)
		if !ok {
			return none, nil, fmt.Errorf("refs[%d]: %q is not a string field of the entry", i, clipPath(r.Path))
		}
		leaf := fields[fi].before
		switch r.Outcome {
		case abi.RefResolved:
			if !abi.ValidSecretName(r.Name) || r.Literal != "" {
				return none, nil, fmt.Errorf("refs[%d] (%s): a resolved reference needs a variable name and no literal", i, r.Path)
			}
			if !strings.Contains(leaf, "${") {
				return none, nil, fmt.Errorf("refs[%d]: %s holds no reference to resolve", i, r.Path)
			}
			fields[fi].resolved = true
		case abi.RefUnset, abi.RefUnsupported:
			if r.Outcome == abi.RefUnset && !abi.ValidSecretName(r.Name) || r.Outcome == abi.RefUnsupported && r.Name != "" {
				return none, nil, fmt.Errorf("refs[%d] (%s): an %s reference with a bad name", i, r.Path, r.Outcome)
			}
			if !strings.HasPrefix(r.Literal, "${") || !strings.HasSuffix(r.Literal, "}") || !strings.Contains(leaf, r.Literal) {
				return none, nil, fmt.Errorf("refs[%d] (%s): the literal of an %s reference must be a ${...} written in that field", i, r.Path, r.Outcome)
			}
		default:
			return none, nil, fmt.Errorf("refs[%d] (%s): unknown outcome (want %s, %s or %s)", i, r.Path, abi.RefResolved, abi.RefUnset, abi.RefUnsupported)
		}
	}
	for i := range fields {
		if f := &fields[i]; f.after != f.before && !f.resolved {
			return none, nil, fmt.Errorf("%s changed but no reference there was reported resolved", pathOf(f))
		}
	}
	return res, got, nil
}

// decodeResult decodes an abi.InterpolateResult with encoding/json, unknown
// fields refused, and parses its entry, which must be a mapping.
func decodeResult(out []byte) (abi.InterpolateResult, *mcp.Value, error) {
	var none abi.InterpolateResult
	var res abi.InterpolateResult
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return none, nil, errors.New("not an interpolation result ({\"entry\":{...},\"refs\":[...]})")
	}
	if _, err := dec.Token(); err != io.EOF {
		return none, nil, errors.New("trailing data after the result")
	}
	if len(res.Entry) == 0 {
		return none, nil, errors.New("no entry")
	}
	got, err := value.ParseJSON(res.Entry)
	if err != nil {
		return none, nil, fmt.Errorf("the entry is not valid JSON (%s)", errKind(err))
	}
	if got.Kind != value.Object {
		return none, nil, fmt.Errorf("the entry is %s, not a mapping", got.Kind)
	}
	return res, got, nil
}

// decodeResultFast is decodeResult for a result written the way the
// built-in module writes it: the exact field names, each at most once, no
// null but for "refs", an entry that is a mapping. It parses the result
// once, entry included, and reports false for anything else, which
// decodeResult then decodes (or refuses) as encoding/json does. Where it
// reports true, decodeResult gives the same.
func decodeResultFast(out []byte) (abi.InterpolateResult, *mcp.Value, bool) {
	var res abi.InterpolateResult
	env, err := value.ParseJSON(out)
	if err != nil || env.Kind != value.Object {
		return res, nil, false
	}
	var entry, refs *mcp.Value
	for i, k := range env.Keys {
		switch k {
		case "entry":
			entry = env.Items[i]
		case "refs":
			refs = env.Items[i]
		default:
			return res, nil, false
		}
	}
	if entry == nil || entry.Kind != value.Object {
		return res, nil, false
	}
	if refs != nil && refs.Kind != value.Null {
		if refs.Kind != value.Array {
			return res, nil, false
		}
		res.Refs = make([]abi.Reference, len(refs.Items))
		for i, r := range refs.Items {
			if r.Kind != value.Object {
				return res, nil, false
			}
			for j, k := range r.Keys {
				v := r.Items[j]
				if v.Kind != value.String {
					return res, nil, false
				}
				switch k {
				case "path":
					res.Refs[i].Path = v.Str
				case "name":
					res.Refs[i].Name = v.Str
				case "outcome":
					res.Refs[i].Outcome = v.Str
				case "literal":
					res.Refs[i].Literal = v.Str
				default:
					return res, nil, false
				}
			}
		}
	}
	return res, entry, true
}

// errKind is the first words of a JSON error, which never quote input.
func errKind(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\"'"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

func clipPath(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// leafMap maps every string field of v by its path.
func leafMap(v *mcp.Value) map[string]string {
	m := map[string]string{}
	v.Leaves(func(path string, leaf *mcp.Value) { m[path] = leaf.Str })
	return m
}

// maskEntry returns entry as written, for display: in a field where a
// reference was resolved, each resolved ${...} becomes "***" and its
// variable name (a field whose resolved references cannot be matched to
// what is written becomes "***" and their names); unresolved references
// stay as written. The display is built from the config text and the
// reported names only, never from a resolved value; then any of the
// profile's values written literally in the config is redacted.
func maskEntry(entry *mcp.Value, refs []abi.Reference, scope *Scope) *mcp.Value {
	resolved := map[string]map[string]bool{}
	for _, r := range refs {
		if r.Outcome == abi.RefResolved {
			if resolved[r.Path] == nil {
				resolved[r.Path] = map[string]bool{}
			}
			resolved[r.Path][r.Name] = true
		}
	}
	masked := entry.Clone()
	masked.Leaves(func(path string, leaf *mcp.Value) {
		if names := resolved[path]; names != nil {
			leaf.Str = maskTemplate(leaf.Str, names)
		}
		leaf.Str = scope.Redact(leaf.Str)
	})
	return masked
}

// maskTemplate replaces each ${...} of s whose variable is in names with
// "***NAME".
func maskTemplate(s string, names map[string]bool) string {
	var b strings.Builder
	matched := map[string]bool{}
	rest := s
	for {
		start := strings.Index(rest, "${")
		if start < 0 {
			break
		}
		end := strings.IndexByte(rest[start+2:], '}')
		if end < 0 {
			break
		}
		end += start + 2
		b.WriteString(rest[:start])
		name := refName(rest[start+2 : end])
		if names[name] {
			b.WriteString("***" + name)
			matched[name] = true
		} else {
			b.WriteString(rest[start : end+1])
		}
		rest = rest[end+1:]
	}
	b.WriteString(rest)
	if len(matched) == len(names) {
		return b.String()
	}
	// A module with a syntax of its own: show only which names went in.
	all := make([]string, 0, len(names))
	for n := range names {
		all = append(all, "***"+n)
	}
	sort.Strings(all)
	return strings.Join(all, " ")
}

// refName is the variable name of a reference body: trimmed, with an
// "env:" prefix removed (the built-in module's rule).
func refName(body string) string {
	name := strings.TrimSpace(body)
	if rest, ok := strings.CutPrefix(name, "env:"); ok {
		name = strings.TrimSpace(rest)
	}
	return name
}

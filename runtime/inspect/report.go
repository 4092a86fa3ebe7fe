package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/inspect/internal/suite"
	"github.com/wasmgw/wasmgw/runtime/version"
)

// reportSchema names the version of the JSON report (docs/security.md, "The JSON
// report"). A field is never renamed, retyped or given a new meaning under
// the same schema; a new field may be added.
const reportSchema = "wasmgw.audit/v1"

// Severity ranks a finding.
type Severity string

// Severities, from the one that fails an audit down.
const (
	// SeverityHigh: a reviewer must act; the audit exits 1.
	SeverityHigh Severity = "high"
	// SeverityMedium: a reviewer must look and decide.
	SeverityMedium Severity = "medium"
	// SeverityLow: worth knowing; often a typo or a dead setting.
	SeverityLow Severity = "low"
	// SeverityInfo: a fact about the home, not a problem.
	SeverityInfo Severity = "info"
)

// rank orders severities: high is 0.
func (s Severity) rank() int {
	switch s {
	case SeverityHigh:
		return 0
	case SeverityMedium:
		return 1
	case SeverityLow:
		return 2
	case SeverityInfo:
		return 3
	}
	return 4
}

// valid reports whether s is one of the four severities.
func (s Severity) valid() bool { return s.rank() < 4 }

// Report is everything `wasmgw audit` found: the inventory of each audited
// profile, the findings, and the hostile suite's rows. Its JSON form is
// the schema wasmgw.audit/v1 (docs/audit-json.md); slices are never null and are sorted as documented,
// so two reports of the same home differ only where the home, the binary
// or the timings did.
type Report struct {
	Schema  string `json:"schema"`
	Version string `json:"wasmgw_version"`
	// Build is the binary's build information: module version, VCS
	// revision, whether the tree was modified, Go version.
	Build version.Info `json:"wasmgw_build"`
	ABI   int          `json:"abi_version"`
	// GeneratedAt is when the audit ran (UTC, seconds).
	GeneratedAt time.Time `json:"generated_at"`
	Home        string    `json:"home"`
	// StaticOnly: no module was loaded and the suite did not run.
	StaticOnly bool `json:"static_only"`
	// GlobalAllowlist is the sorted list of host variable names every guest
	// may read.
	GlobalAllowlist []string        `json:"global_allowlist"`
	Profiles        []ProfileReport `json:"profiles"`
	Findings        []Finding       `json:"findings"`
	// Suite is null when the suite did not run (static only).
	Suite   *SuiteReport `json:"suite"`
	Summary Summary      `json:"summary"`
}

// ProfileReport is the inventory of one profile.
type ProfileReport struct {
	Name string `json:"name"`
	Dir  string `json:"dir"`
	// ConfigError is set when config.yaml does not parse; the profile is
	// then inventoried as if it had no config.
	ConfigError string    `json:"config_error,omitempty"`
	Env         EnvReport `json:"env"`
	// Limits are the profile's limits with the defaults filled in: what a
	// module gets when it sets none of its own.
	Limits     LimitsReport      `json:"limits"`
	Modules    []ModuleReport    `json:"modules"`
	MCPServers []MCPServerReport `json:"mcp_servers"`
	// Load is the result of loading the profile into a real engine (null
	// when static only).
	Load *LoadReport `json:"load"`
}

// EnvReport describes a profile's .env: names only, never values.
type EnvReport struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	// Mode is the permission bits in octal ("0600"), "" when it does not exist.
	Mode string `json:"mode,omitempty"`
	// Names are the sorted names the file defines.
	Names []string `json:"names"`
	Error string   `json:"error,omitempty"`
}

// LimitsReport is a runtime.Limits in plain units.
type LimitsReport struct {
	MemoryBytes    uint64 `json:"memory_bytes"`
	TimeoutMS      int64  `json:"timeout_ms"`
	MaxOutputBytes uint64 `json:"max_output_bytes"`
	MaxLogBytes    uint64 `json:"max_log_bytes"`
	MaxHostCalls   uint64 `json:"max_host_calls"`
	// MaxAuditRecords is the per-call audit record budget (omitted by
	// reports written before it existed).
	MaxAuditRecords uint64 `json:"max_audit_records,omitempty"`
}

func limitsReport(l runtime.Limits) LimitsReport {
	return LimitsReport{MemoryBytes: l.Memory, TimeoutMS: l.Timeout.Milliseconds(), MaxOutputBytes: l.MaxOutput, MaxLogBytes: l.MaxLog, MaxHostCalls: l.MaxHostCalls, MaxAuditRecords: l.MaxAuditRecords}
}

// runtimeLimits converts back to runtime.Limits.
func (l LimitsReport) runtimeLimits() runtime.Limits {
	return runtime.Limits{Memory: l.MemoryBytes, Timeout: time.Duration(l.TimeoutMS) * time.Millisecond, MaxOutput: l.MaxOutputBytes, MaxLog: l.MaxLogBytes, MaxHostCalls: l.MaxHostCalls, MaxAuditRecords: l.MaxAuditRecords}
}

// Module roles.
const (
	roleTool          = "tool"
	roleHandler       = "handler"
	roleInterpolation = "interpolation"
)

// ModuleReport is the inventory of one module of a profile.
type ModuleReport struct {
	// Name is the module's key in the config ("handler" or "interpolate"
	// for an implicit one).
	Name string `json:"name"`
	// Role is "tool", "handler" or "interpolation".
	Role string `json:"role"`
	// Path is as configured; Resolved is the absolute file it names, or
	// the builtin: name.
	Path     string `json:"path"`
	Resolved string `json:"resolved"`
	SHA256   string `json:"sha256,omitempty"`
	Size     int    `json:"size"`
	// ABIVersion is what the module's marker export states (0: none).
	ABIVersion int `json:"abi_version"`
	// GrantsAll: the module may read every name of the profile (no grant
	// list); Grants is the list otherwise (possibly empty).
	GrantsAll    bool           `json:"grants_all"`
	Grants       []string       `json:"grants"`
	Limits       LimitsReport   `json:"limits"`
	FreshPerCall bool           `json:"fresh_per_call"`
	Imports      []ImportReport `json:"imports"`
	Exports      []ExportReport `json:"exports"`
	Memories     []MemoryReport `json:"memories"`
	Egress       *EgressReport  `json:"egress"`
	// Tools are the tools the module declared when the profile was loaded
	// (empty when static only or when it did not load).
	Tools []string `json:"tools"`
	// Error says why the module could not be read or parsed.
	Error string `json:"error,omitempty"`
}

// ImportReport is one import of a module.
type ImportReport struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	// Signature is a function's type, "(i32,i32)->(i32)".
	Signature string `json:"signature,omitempty"`
	// Provided: the host provides it (a wasmgw host function with the
	// right signature, or an allowed WASI function).
	Provided bool `json:"provided"`
}

// ExportReport is one export of a module.
type ExportReport struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// MemoryReport is one memory a module defines or imports, in 64 KiB pages.
type MemoryReport struct {
	MinPages uint64  `json:"min_pages"`
	MaxPages *uint64 `json:"max_pages"`
	Imported bool    `json:"imported"`
	Shared   bool    `json:"shared"`
	Memory64 bool    `json:"memory64"`
}

// EgressReport is a module's egress policy: destinations and which secret
// names may be sent where (names only).
type EgressReport struct {
	Allow            []string       `json:"allow"`
	Secrets          []EgressSecret `json:"secrets"`
	BodyPlaceholders []string       `json:"body_placeholders"`
	AllowPrivate     bool           `json:"allow_private"`
	PrivateNets      []string       `json:"private_nets"`
}

// EgressSecret is one secret name an egress policy binds to hosts.
type EgressSecret struct {
	Name  string   `json:"name"`
	Hosts []string `json:"hosts"`
}

// MCPServerReport is one entry of a profile's mcp_servers, read from the
// raw config: no value is resolved.
type MCPServerReport struct {
	Name string `json:"name"`
	// Transport is "stdio", "http", "sse", or "unknown" for an entry with
	// neither command nor url.
	Transport string `json:"transport"`
	Enabled   bool   `json:"enabled"`
	// Command is the stdio command as written when it holds no reference;
	// ResolvedCommand the executable it resolves to for the child ("" when
	// it cannot be resolved statically).
	Command         string `json:"command,omitempty"`
	ResolvedCommand string `json:"resolved_command,omitempty"`
	// URLOrigin is scheme://host[:port] of an HTTP server's url.
	URLOrigin string `json:"url_origin,omitempty"`
	// SecretRefs are the ${NAME} and ${env:NAME} references, by field path,
	// in document order.
	SecretRefs []SecretRef `json:"secret_refs"`
	// Unsupported are references wasmgw keeps literally (${NAME:-x}, ${}),
	// by field path.
	Unsupported []string `json:"unsupported_refs"`
	// Confinement says how a stdio server is confined on this machine's
	// kernel (Landlock ABI, namespaces, network, limits), or why it is
	// not: "none (trust: host) ..." or "none: this kernel cannot confine".
	Confinement string `json:"confinement,omitempty"`
	// Confined is true for a stdio server that runs confined.
	Confined bool `json:"confined"`
	// NotHonoured lists the entry's keys wasmgw does not act on (auth,
	// lifecycle, an unknown trust value, ssl_verify on a stdio server, ...)
	// or that weaken it (ssl_verify: false), each with what wasmgw does.
	NotHonoured []string `json:"not_honoured,omitempty"`
}

// SecretRef is one reference of an MCP server entry: where, and which name.
type SecretRef struct {
	Path string `json:"path"`
	Name string `json:"name"`
	// Defined: the profile's .env defines the name (or it is global).
	Defined bool `json:"defined"`
}

// LoadReport is the result of loading a profile into a real engine, as the
// gateway would: every module compiled, checked and described.
type LoadReport struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Tools int    `json:"tools"`
}

// Finding is one thing a reviewer must look at.
type Finding struct {
	// ID names the rule (docs/security.md lists them), e.g. "env.readable-by-others".
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Profile  string   `json:"profile"`
	Module   string   `json:"module,omitempty"`
	// Subject is what the finding is about (a file, a name, a server).
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
}

// SuiteReport is the result of the hostile suite.
type SuiteReport struct {
	// Error is set when the suite could not run at all.
	Error     string          `json:"error,omitempty"`
	Targets   []TargetReport  `json:"targets"`
	Rows      []RowReport     `json:"rows"`
	Neighbour NeighbourReport `json:"neighbour"`
	// DurationMS is the suite's wall time.
	DurationMS int64 `json:"duration_ms"`
}

// TargetReport is one set of limits the suite ran under, and the audited
// profiles that have them.
type TargetReport struct {
	ID       string       `json:"id"`
	Profiles []string     `json:"profiles"`
	Limits   LimitsReport `json:"limits"`
}

// Summary counts what the report holds and gives its verdict.
type Summary struct {
	Profiles int           `json:"profiles"`
	Modules  int           `json:"modules"`
	Findings FindingCounts `json:"findings"`
	Rows     int           `json:"rows"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	// Result is "PASS" unless a high finding exists or a row failed.
	Result string `json:"result"`
	// ExitStatus is what `wasmgw audit` exits with: 0 or 1.
	ExitStatus int `json:"exit_status"`
}

// FindingCounts counts findings by severity.
type FindingCounts struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
	Info   int `json:"info"`
}

// finish sorts the report into its documented order, turns nil slices into
// empty ones and computes the summary.
func (r *Report) finish() {
	r.Schema = reportSchema
	sort.Slice(r.Profiles, func(i, j int) bool { return r.Profiles[i].Name < r.Profiles[j].Name })
	sortFindings(r.Findings)
	if r.GlobalAllowlist == nil {
		r.GlobalAllowlist = []string{}
	}
	if r.Profiles == nil {
		r.Profiles = []ProfileReport{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	s := Summary{Profiles: len(r.Profiles)}
	for i := range r.Profiles {
		p := &r.Profiles[i]
		p.normalize()
		s.Modules += len(p.Modules)
	}
	for _, f := range r.Findings {
		switch f.Severity {
		case SeverityHigh:
			s.Findings.High++
		case SeverityMedium:
			s.Findings.Medium++
		case SeverityLow:
			s.Findings.Low++
		default:
			s.Findings.Info++
		}
	}
	if r.Suite != nil {
		r.Suite.normalize()
		for _, row := range r.Suite.Rows {
			s.Rows++
			if row.Result == suite.ResultPass {
				s.Passed++
			} else {
				s.Failed++
			}
		}
	}
	s.Result, s.ExitStatus = suite.ResultPass, 0
	if s.Findings.High > 0 || s.Failed > 0 || (r.Suite != nil && r.Suite.Error != "") {
		s.Result, s.ExitStatus = suite.ResultFail, 1
	}
	r.Summary = s
}

// sortFindings orders findings by severity (high first), then id, profile,
// module, subject and message.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		for _, c := range [][2]string{{a.ID, b.ID}, {a.Profile, b.Profile}, {a.Module, b.Module}, {a.Subject, b.Subject}, {a.Message, b.Message}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (p *ProfileReport) normalize() {
	p.Env.Names = nonNil(p.Env.Names)
	p.Modules = nonNil(p.Modules)
	p.MCPServers = nonNil(p.MCPServers)
	for i := range p.Modules {
		m := &p.Modules[i]
		if !m.GrantsAll {
			m.Grants = nonNil(m.Grants)
		}
		m.Imports = nonNil(m.Imports)
		m.Exports = nonNil(m.Exports)
		m.Memories = nonNil(m.Memories)
		m.Tools = nonNil(m.Tools)
		if e := m.Egress; e != nil {
			e.Allow, e.Secrets, e.BodyPlaceholders, e.PrivateNets = nonNil(e.Allow), nonNil(e.Secrets), nonNil(e.BodyPlaceholders), nonNil(e.PrivateNets)
			for k := range e.Secrets {
				e.Secrets[k].Hosts = nonNil(e.Secrets[k].Hosts)
			}
		}
	}
	for i := range p.MCPServers {
		s := &p.MCPServers[i]
		s.SecretRefs = nonNil(s.SecretRefs)
		s.Unsupported = nonNil(s.Unsupported)
	}
}

func (s *SuiteReport) normalize() {
	s.Targets = nonNil(s.Targets)
	s.Rows = nonNil(s.Rows)
	s.Neighbour.Errors = nonNil(s.Neighbour.Errors)
	for i := range s.Targets {
		s.Targets[i].Profiles = nonNil(s.Targets[i].Profiles)
	}
}

// WriteJSON writes the report as indented JSON with a final newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// reportError says why bytes are not a valid report of this schema.
type reportError struct{ Msg string }

// Error implements error.
func (e *reportError) Error() string { return "audit report: " + e.Msg }

// ParseReport decodes a JSON report (as WriteJSON writes it) and checks it
// against the schema: the schema name, no unknown fields, valid severities
// and results, and a summary that agrees with the rows and findings. It is
// how tools that diff reports between releases should read them.
func ParseReport(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, &reportError{Msg: "not a report: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &reportError{Msg: "trailing data after the report"}
	}
	if r.Schema != reportSchema {
		return nil, &reportError{Msg: fmt.Sprintf("schema %q, want %q", r.Schema, reportSchema)}
	}
	for i, f := range r.Findings {
		if !f.Severity.valid() {
			return nil, &reportError{Msg: fmt.Sprintf("findings[%d] (%s): severity %q is not high, medium, low or info", i, f.ID, f.Severity)}
		}
		if f.ID == "" {
			return nil, &reportError{Msg: fmt.Sprintf("findings[%d]: no id", i)}
		}
	}
	if r.Suite != nil {
		for i, row := range r.Suite.Rows {
			if row.Result != suite.ResultPass && row.Result != suite.ResultFail {
				return nil, &reportError{Msg: fmt.Sprintf("suite.rows[%d] (%s): result %q is not PASS or FAIL", i, row.ID, row.Result)}
			}
			if row.ID == "" {
				return nil, &reportError{Msg: fmt.Sprintf("suite.rows[%d]: no id", i)}
			}
		}
	}
	got := r.Summary
	check := r
	check.Profiles = slices.Clone(r.Profiles)
	check.Findings = slices.Clone(r.Findings)
	if r.Suite != nil {
		s := *r.Suite
		check.Suite = &s
	}
	check.finish()
	// Finish also normalises; compare only what the summary claims.
	if got != check.Summary {
		return nil, &reportError{Msg: fmt.Sprintf("summary %+v does not match the report's contents (%+v)", got, check.Summary)}
	}
	return &r, nil
}

// The suite's rows in the report.
type (
	// RowReport is one hostile behaviour: what was tried, what the sandbox
	// must do, what it did.
	RowReport = suite.RowReport
	// NeighbourReport is the benign profile's calls while the suite ran.
	NeighbourReport = suite.NeighbourReport
)

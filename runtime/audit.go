package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// AuditRecord is one secret access by a guest, or one egress decision
// (Kind "egress"). It never holds a value.
type AuditRecord struct {
	// Time is when the record was made; a secret read of a tool call
	// carries the call's start (the call's one clock reading).
	Time time.Time `json:"time"`
	// Kind is empty for a secret read (secret_get) and "egress" for an
	// http_fetch decision: one record per secret placeholder (or one with
	// an empty Name when there is none), and one per refused redirect or
	// address. "dropped" summarises records that were not written.
	Kind    string `json:"kind,omitempty"`
	Profile string `json:"profile"`
	// Module is the module's name in the profile's config.
	Module string `json:"module"`
	// ModuleSHA256 is the content hash of the module.
	ModuleSHA256 string `json:"module_sha256"`
	// Name is the secret name asked for (redacted if it held a value).
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// Host is an egress record's destination origin (scheme://host:port).
	Host string `json:"host,omitempty"`
	// Reason is why an egress record was refused, or why a "dropped"
	// record's records were dropped. The values are the audit trail's
	// contract, listed in docs/egress.md (refusals) and docs/security.md
	// (dropped records); a consumer matches those strings.
	Reason string `json:"reason,omitempty"`
	// Dropped is, in a record of kind "dropped", how many records were not
	// written (see AuditKindDropped).
	Dropped uint64 `json:"dropped,omitempty"`
}

// AuditSink receives audit records. Implementations must be safe for
// concurrent use and must not block for long: they run inside guest calls.
type AuditSink interface {
	Audit(AuditRecord)
}

// Bounds of an audit trail file (see AuditFileOptions).
const (
	defaultAuditMaxBytes      = 64 << 20
	defaultAuditKeep          = 4
	defaultAuditProfileWindow = time.Hour
)

// Reasons of "dropped" records (AuditKindDropped), as listed in
// docs/security.md.
const (
	// dropCallBudget: the call's max_audit_records was spent; Dropped
	// counts the call's records that were not written.
	dropCallBudget = "max_audit_records"
	// dropShareSpent: the profile wrote MaxProfileBytes within its
	// window; its records are counted, not written, until the window ends
	// (Dropped is 0: the count follows).
	dropShareSpent = "profile_share_spent"
	// dropWindowEnded: the window ended; Dropped counts the records it lost.
	dropWindowEnded = "profile_share_window_ended"
	// dropClosed: the trail was closed in a window that lost Dropped
	// records.
	dropClosed = "profile_share_closed"
	// dropRunningCount starts a new file after a rotation: Dropped counts
	// all the profile's records dropped since the trail was opened.
	dropRunningCount = "running_count"
)

// AuditFileOptions bound an audit trail file. Zero fields take the
// defaults.
type AuditFileOptions struct {
	// MaxBytes is the size at which the file is rotated: audit.jsonl
	// becomes audit.jsonl.1 (and .1 becomes .2, ...) and a new file is
	// started. Default 64 MiB.
	MaxBytes int64
	// Keep is how many rotated files are kept; the oldest beyond it is
	// removed. Default 4: at most 5 × MaxBytes on disk.
	Keep int
	// MaxProfileBytes is the most one profile may write per
	// ProfileWindow: past it, that profile's records are counted, not
	// written, until the window ends, so that one profile cannot push the
	// others' records out of the kept files. Default MaxBytes/4.
	MaxProfileBytes int64
	// ProfileWindow is the period of MaxProfileBytes. Default an hour.
	ProfileWindow time.Duration
}

func (o AuditFileOptions) withDefaults() AuditFileOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultAuditMaxBytes
	}
	if o.Keep <= 0 {
		o.Keep = defaultAuditKeep
	}
	if o.MaxProfileBytes <= 0 {
		o.MaxProfileBytes = o.MaxBytes / 4
	}
	if o.ProfileWindow <= 0 {
		o.ProfileWindow = defaultAuditProfileWindow
	}
	return o
}

// JSONLAudit appends audit records as JSON lines to a file (mode 0600),
// bounded in size (AuditFileOptions): it rotates the file at MaxBytes,
// keeps Keep rotated files and bounds what each profile writes per window.
// It never loses the fact that records were dropped: a profile's first
// dropped record of a window is preceded by a "dropped" record saying so,
// the window's end (or Close) writes how many were dropped, and every new
// file starts with each profile's running count since the trail was
// opened.
type JSONLAudit struct {
	mu   sync.Mutex
	f    *os.File
	path string
	opts AuditFileOptions
	err  error
	now  func() time.Time
	// size is the current file's size; shares what each profile wrote and
	// dropped in its window; total what each dropped since the trail was
	// opened.
	size   int64
	shares map[string]*auditShare
	total  map[string]uint64
}

type auditShare struct {
	start   time.Time
	bytes   int64
	dropped uint64
}

// OpenJSONLAudit opens (creating it and its directory) the audit file at
// path for appending, with the default bounds.
func OpenJSONLAudit(path string) (*JSONLAudit, error) {
	return OpenJSONLAuditWith(path, AuditFileOptions{})
}

// OpenJSONLAuditWith opens the audit file at path with the given bounds.
func OpenJSONLAuditWith(path string, opts AuditFileOptions) (*JSONLAudit, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a := &JSONLAudit{path: path, opts: opts.withDefaults(), now: time.Now, shares: map[string]*auditShare{}, total: map[string]uint64{}}
	if err := a.open(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *JSONLAudit) open() error {
	f, err := os.OpenFile(a.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("audit log: %w", err)
	}
	a.f, a.size = f, st.Size()
	return nil
}

// Audit implements AuditSink. Each record is written with a single write so
// that lines never interleave.
func (a *JSONLAudit) Audit(r AuditRecord) {
	line, err := json.Marshal(r)
	if err != nil {
		return
	}
	line = append(line, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	sh := a.shares[r.Profile]
	if sh == nil || now.Sub(sh.start) >= a.opts.ProfileWindow {
		if sh != nil && sh.dropped > 0 {
			a.put(a.droppedLine(r.Profile, sh.dropped, dropWindowEnded))
		}
		sh = &auditShare{start: now}
		a.shares[r.Profile] = sh
	}
	n := int64(len(line))
	if sh.bytes+n > a.opts.MaxProfileBytes {
		if sh.dropped == 0 {
			a.put(a.droppedLine(r.Profile, 0, dropShareSpent))
		}
		sh.dropped++
		a.total[r.Profile]++
		return
	}
	sh.bytes += n
	a.put(line)
}

// put writes a line, rotating the file first when the line would take it
// past MaxBytes.
func (a *JSONLAudit) put(line []byte) {
	if a.size > 0 && a.size+int64(len(line)) > a.opts.MaxBytes {
		a.rotate()
	}
	a.write(line)
}

// droppedLine is a "dropped" record of a profile's records.
func (a *JSONLAudit) droppedLine(profile string, n uint64, reason string) []byte {
	line, _ := json.Marshal(AuditRecord{Time: a.now().UTC(), Kind: AuditKindDropped, Profile: profile, Module: "*", Outcome: OutcomeDropped, Dropped: n, Reason: reason})
	return append(line, '\n')
}

func (a *JSONLAudit) write(line []byte) {
	n, err := a.f.Write(line)
	a.size += int64(n)
	if err != nil && a.err == nil {
		a.err = fmt.Errorf("audit log %s: %w", a.path, err)
	}
}

// rotate moves the file to .1 (and .1 to .2, ..., removing the oldest) and
// starts a new one with the running counts of dropped records. On an
// error it keeps appending to the file it has.
func (a *JSONLAudit) rotate() {
	if err := a.f.Close(); err != nil && a.err == nil {
		a.err = fmt.Errorf("audit log %s: %w", a.path, err)
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", a.path, a.opts.Keep))
	for i := a.opts.Keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", a.path, i), fmt.Sprintf("%s.%d", a.path, i+1))
	}
	if err := os.Rename(a.path, a.path+".1"); err != nil && a.err == nil {
		a.err = fmt.Errorf("audit log %s: rotate: %w", a.path, err)
	}
	if err := a.open(); err != nil {
		if a.err == nil {
			a.err = err
		}
		a.f, _ = os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		return
	}
	profiles := make([]string, 0, len(a.total))
	for p := range a.total {
		profiles = append(profiles, p)
	}
	sort.Strings(profiles)
	for _, p := range profiles {
		a.write(a.droppedLine(p, a.total[p], dropRunningCount))
	}
}

// Path returns the file the records go to.
func (a *JSONLAudit) Path() string { return a.path }

// Close writes, for each profile whose records are being dropped, how
// many were in its current window, closes the file and reports the first
// write error, if any.
func (a *JSONLAudit) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	profiles := make([]string, 0, len(a.shares))
	for p, sh := range a.shares {
		if sh.dropped > 0 {
			profiles = append(profiles, p)
		}
	}
	sort.Strings(profiles)
	for _, p := range profiles {
		sh := a.shares[p]
		a.put(a.droppedLine(p, sh.dropped, dropClosed))
		sh.dropped = 0
	}
	if err := a.f.Close(); err != nil && a.err == nil {
		a.err = err
	}
	return a.err
}

// maxMemoryAuditRecords bounds the records a MemoryAudit keeps; later ones
// are counted (Dropped).
const maxMemoryAuditRecords = 100_000

// MemoryAudit keeps audit records in memory, for a session's summary and for
// tests, at most 100000 of them.
type MemoryAudit struct {
	mu      sync.Mutex
	records []AuditRecord
	dropped uint64
}

// Audit implements AuditSink.
func (m *MemoryAudit) Audit(r AuditRecord) {
	m.mu.Lock()
	if len(m.records) < maxMemoryAuditRecords {
		m.records = append(m.records, r)
	} else {
		m.dropped++
	}
	m.mu.Unlock()
}

// Dropped returns how many records were not kept.
func (m *MemoryAudit) Dropped() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}

// Records returns a copy of the records so far.
func (m *MemoryAudit) Records() []AuditRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]AuditRecord(nil), m.records...)
}

// DiscardAudit drops every record: an embedder's explicit opt-out of the
// audit trail (Options.Audit may not be nil).
type DiscardAudit struct{}

// Audit implements AuditSink.
func (DiscardAudit) Audit(AuditRecord) {}

// TeeAudit sends every record to each sink in turn.
type TeeAudit []AuditSink

// Audit implements AuditSink.
func (t TeeAudit) Audit(r AuditRecord) {
	for _, s := range t {
		s.Audit(r)
	}
}

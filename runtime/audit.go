package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// AuditRecord is one secret access by a guest, or one egress decision
// (Kind "egress"). It never holds a value.
type AuditRecord struct {
	Time time.Time `json:"time"`
	// Kind is empty for a secret read (secret_get) and "egress" for an
	// http_fetch decision: one record per secret placeholder (or one with
	// an empty Name when there is none), and one per refused redirect or
	// address.
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
	// Reason is why an egress record was refused (see docs/egress.md).
	Reason string `json:"reason,omitempty"`
}

// AuditSink receives audit records. Implementations must be safe for
// concurrent use and must not block for long: they run inside guest calls.
type AuditSink interface {
	Audit(AuditRecord)
}

// JSONLAudit appends audit records as JSON lines to a file (mode 0600).
type JSONLAudit struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error
}

// OpenJSONLAudit opens (creating it and its directory) the audit file at
// path for appending.
func OpenJSONLAudit(path string) (*JSONLAudit, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &JSONLAudit{f: f, path: path}, nil
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
	if _, err := a.f.Write(line); err != nil && a.err == nil {
		a.err = fmt.Errorf("audit log %s: %w", a.path, err)
	}
}

// Path returns the file the records go to.
func (a *JSONLAudit) Path() string { return a.path }

// Close closes the file and reports the first write error, if any.
func (a *JSONLAudit) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.f.Close(); err != nil && a.err == nil {
		a.err = err
	}
	return a.err
}

// MemoryAudit keeps audit records in memory, for a session's summary and for
// tests.
type MemoryAudit struct {
	mu      sync.Mutex
	records []AuditRecord
}

// Audit implements AuditSink.
func (m *MemoryAudit) Audit(r AuditRecord) {
	m.mu.Lock()
	m.records = append(m.records, r)
	m.mu.Unlock()
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

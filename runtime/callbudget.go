package runtime

// Host work on behalf of a call is charged to that call. Besides time,
// memory, output, log bytes and host calls (Limits), a call has a budget
// of audit records (max_audit_records) and of the lines the host writes
// about it (refusals, failed fetches). Past either, records are counted
// instead of written, and the call's end writes one summary: an audit
// record of kind "dropped" and one WARN line.

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

const (
	// DefaultMaxAuditRecords is the default budget of audit records of one
	// call (secret reads and egress decisions).
	DefaultMaxAuditRecords = 1000
	// MaxHostLines bounds the lines the host logs about one call
	// (http_fetch refusals and failures), as does the call's max_log in
	// bytes; the rest are counted and summarised in one line at the
	// call's end.
	MaxHostLines = 100
	// maxAuditField bounds a guest-chosen text (a secret name, a host) in
	// an audit record or a host log line; longer ones are cut, marked with
	// their full length.
	maxAuditField = 128
)

// AuditKindDropped marks the summary record of a call whose audit records
// went past its max_audit_records budget (Dropped says how many), or that
// an audit trail file dropped (see JSONLAudit).
const AuditKindDropped = "dropped"

// OutcomeDropped is the outcome of a summary record of kind "dropped".
const OutcomeDropped Outcome = "dropped"

// callBudgets counts what the host did, and dropped, for one call.
type callBudgets struct {
	logBytes          uint64
	logSpent          bool
	logDroppedRecords uint64
	logDroppedBytes   uint64
	auditRecords      uint64
	auditDropped      uint64
	hostLines         uint64
	hostLineBytes     uint64
	hostLinesDropped  uint64
}

// halted reports whether the call's deadline has passed or its caller has
// cancelled it: host work on the call's behalf stops then, even while the
// guest (which is stopped at its next termination check) has not noticed.
func (c *callState) halted() bool {
	if c.parent != nil && c.parent.Err() != nil {
		return true
	}
	return !c.deadline.IsZero() && time.Now().After(c.deadline)
}

// audit writes the record rec builds to the audit trail, within the
// call's budget: past it, the record is counted and never built.
func (b *binding) audit(rec func() AuditRecord) {
	c := b.call
	limit := b.limits.MaxAuditRecords
	if limit == 0 {
		limit = DefaultMaxAuditRecords
	}
	if c.auditRecords >= limit {
		c.auditDropped++
		return
	}
	c.auditRecords++
	b.e.audit.Audit(rec())
}

// hostLine logs a line about the call within its budget of host lines:
// MaxHostLines lines, and no more bytes than the call's max_log (of their
// own: a guest that spends its log budget does not silence them).
func (b *binding) hostLine(level slog.Level, msg string, args ...any) {
	c := b.call
	size := uint64(len(msg)) + logRecordCost
	for _, a := range args {
		if s, ok := a.(string); ok {
			size += uint64(len(s))
		} else {
			size += 8
		}
	}
	if c.hostLines >= MaxHostLines || c.hostLineBytes+size > b.limits.MaxLog {
		c.hostLinesDropped++
		return
	}
	c.hostLines++
	c.hostLineBytes += size
	b.log.Log(context.Background(), level, msg, args...)
}

// finishCall writes the summaries of what the call's budgets dropped: one
// audit record, one line for the guest's log and one for the host's lines.
// It runs once at the end of every call (and of an instantiation).
func (b *binding) finishCall() {
	c := b.call
	if c.auditDropped > 0 {
		b.e.audit.Audit(AuditRecord{
			Time: b.e.now().UTC(), Kind: AuditKindDropped, Profile: b.profile, Module: b.module, ModuleSHA256: b.sha,
			Outcome: OutcomeDropped, Dropped: c.auditDropped, Reason: dropCallBudget,
		})
		b.log.Warn("audit records of this call dropped: its max_audit_records budget is spent", "dropped", c.auditDropped, "max_audit_records", b.limits.MaxAuditRecords)
	}
	if c.logSpent {
		b.log.Warn("guest log budget spent; dropped the rest of this call's log", "max_log", b.limits.MaxLog, "dropped_records", c.logDroppedRecords, "dropped_bytes", c.logDroppedBytes)
	}
	if c.hostLinesDropped > 0 {
		b.log.Warn("host log lines about this call dropped", "dropped", c.hostLinesDropped, "max", MaxHostLines)
	}
	c.callBudgets = callBudgets{}
}

// clipAuditField cuts a guest-chosen text for an audit record or a log
// line; cut after redaction, so that no part of a value survives a cut.
func clipAuditField(s string) string {
	if len(s) <= maxAuditField {
		return s
	}
	return string(clipUTF8([]byte(s), maxAuditField)) + "...(" + strconv.Itoa(len(s)) + " bytes)"
}

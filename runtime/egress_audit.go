package runtime

// Egress audit records and refusals: one record per secret name for every
// egress decision, and the host line and guest error of a refusal. Names
// and hosts come from the guest and are scrubbed of learned values.

import (
	"log/slog"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// auditEgress records one egress decision per secret name (one record with
// no name when there is none).
func (b *binding) auditEgress(names []string, host string, outcome Outcome, reason string) {
	if len(names) == 0 {
		names = []string{""}
	}
	// Names and hosts come from the guest: one that holds a value it was
	// granted must not carry it into the audit trail.
	scrub := func(s string) string { return clipAuditField(b.learned.Text(s, redact.Named)) }
	redacted := ""
	for _, n := range names {
		b.audit(func() AuditRecord {
			if redacted == "" {
				redacted = scrub(host)
			}
			return AuditRecord{
				Time: b.e.now().UTC(), Kind: AuditKindEgress, Profile: b.profile, Module: b.module, ModuleSHA256: b.sha,
				Name: scrub(n), Outcome: outcome, Host: redacted, Reason: reason,
			}
		})
	}
}

// refuse audits and logs a refusal and returns it as a fetch error.
func (b *binding) refuse(r *egress.Refusal, code int32) *egress.Error {
	b.auditEgress(r.Names, r.Host, OutcomeRefused, r.Reason)
	msg := b.learned.Text(r.Error(), redact.Anonymous)
	b.hostLine(slog.LevelWarn, "http_fetch refused", "host", clipAuditField(b.learned.Text(r.Host, redact.Named)), "reason", r.Reason,
		"secrets", clipAuditField(b.learned.Text(strings.Join(r.Names, ","), redact.Named)))
	return &egress.Error{Code: code, Msg: msg}
}

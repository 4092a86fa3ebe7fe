package suite

// Rows that try to carry a granted secret out of the sandbox: through the
// output, the logs, the audit trail, an error, a panic and http_fetch.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/runtime"
)

// exfilRows are the exfiltration rows, in report order.
var exfilRows = []rowSpec{
	{
		id:       "exfil.output",
		tried:    "return a granted secret as the tool's output, raw and Go-quoted",
		expected: "the output holds [REDACTED], never the value nor the secret's name",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redaction_marker", strconv.FormatBool(strings.Contains(o.Output, "[REDACTED]") && !strings.Contains(o.Output, "OPENAI_API_KEY")))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("redaction_marker", "true")},
	},
	{
		id:       "exfil.logs",
		tried:    "write a granted secret to the log (message, attribute value, attribute key), stdout and stderr",
		expected: "each channel reaches the host log, redacted",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			marks := []string{"leaking [REDACTED:OPENAI_API_KEY]", "stdout leak: [REDACTED:OPENAI_API_KEY]", "stderr leak: [REDACTED:OPENAI_API_KEY]"}
			s.log.watch(marks...)
			before := make([]int, len(marks))
			for i, m := range marks {
				before[i] = s.log.count(m)
			}
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			for i, m := range marks {
				o.fact(strings.SplitN(m, " ", 2)[0], strconv.Itoa(s.log.count(m)-before[i]))
			}
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factAtLeast("leaking", 1), factAtLeast("stdout", 1), factAtLeast("stderr", 1)},
	},
	{
		id:       "exfil.audit",
		tried:    "ask for a secret whose name is a granted secret's value, to plant the value in the audit trail",
		expected: "the audit record's name is [REDACTED:OPENAI_API_KEY], never the value",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redacted_name_audited", strconv.FormatBool(s.audit.count(auditKey{profile: attacker(t), module: hostileModule, name: "[REDACTED:OPENAI_API_KEY]"}) > 0))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("redacted_name_audited", "true")},
	},
	{
		id:       "exfil.error",
		tried:    "fail with an error message holding a granted secret",
		expected: "a tool error whose message is redacted",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := s.call(ctx, attacker(t), "exfil_error", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redaction_marker", strconv.FormatBool(strings.Contains(o.Error, "[REDACTED]") && !strings.Contains(o.Error, "OPENAI_API_KEY")))
			return o
		},
		checks: []checker{custom(func(_ runtime.Limits, o observation) string {
			if o.Kind != "tool_error" {
				return fmt.Sprintf("got %q, want a tool error", o.Kind)
			}
			return ""
		}), factIs("redaction_marker", "true")},
	},
	{
		id:       "exfil.panic",
		tried:    "panic with a granted secret in the message (the Go runtime prints it to stderr, then traps)",
		expected: "a trap; the panic text reaches the log redacted; the error holds no value",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			mark := "leaking through a panic: [REDACTED:OPENAI_API_KEY]"
			s.log.watch(mark)
			before := s.log.count(mark)
			o := s.call(ctx, attacker(t), "exfil_panic", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redacted_in_log", strconv.Itoa(s.log.count(mark)-before))
			o.Recovery = s.recovery(ctx, attacker(t))
			return o
		},
		checks: []checker{kindIs(runtime.KindTrap), factAtLeast("redacted_in_log", 1)},
	},
	{
		id:       "exfil.http_fetch",
		tried:    "send a granted secret, in the URL and a header, to a listener on the host with http_fetch (the module has no egress policy)",
		expected: "egress refused (-8) and audited as refused; no connection reaches the listener",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := codes(ctx, s, attacker(t), "exfil_fetch", map[string]string{"name": "OPENAI_API_KEY", "url": "http://" + s.listener.Addr().String() + "/collect"})
			n, err := s.pendingConnections()
			if err != nil {
				o.Setup = "cannot check the listener: " + err.Error()
			}
			o.fact("host_connections", strconv.Itoa(n))
			o.fact("refusal_audited", strconv.FormatBool(s.audit.count(auditKey{kind: "egress", profile: attacker(t), module: hostileModule, outcome: runtime.OutcomeRefused}) > 0))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{"http_fetch": -8}), factIs("host_connections", "0"), factIs("refusal_audited", "true")},
	},
}

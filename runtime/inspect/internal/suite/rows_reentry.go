package suite

// Rows about control flow across the host boundary: re-entry through
// tool_call, traps in nested calls, interrupts of a looping guest, and a
// guest that panics or exits.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// reentryRows are the re-entry, nesting and interrupt rows, in report order.
var reentryRows = []rowSpec{
	{
		id:       "reentry.tool_call",
		tried:    "a tool module calls tool_call (re-entering the host to run another tool)",
		expected: "unavailable: only a handler may call tools",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := s.call(ctx, attacker(t), "reenter", map[string]string{"name": "state"})
			var code int64
			if decode(&o, &code) {
				o.Codes = map[string]int64{"tool_call": code}
				o.Output = ""
			}
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{"tool_call": -7})},
	},
	{
		id:       "nested.trap",
		tried:    "a handler calls a tool that traps while the handler is inside its tool_call host call",
		expected: "the handler gets an error envelope and answers; the trapped tool instance is discarded; the profile keeps serving",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := handle(ctx, s, attacker(t), "/call panic {}")
			o.fact("reply_reports_failure", strconv.FormatBool(strings.Contains(o.Output, "failed") && strings.Contains(o.Output, "trap")))
			if o.Setup == "" {
				o.Recovery = s.recovery(ctx, attacker(t))
				if r := handle(ctx, s, attacker(t), "/tools"); r.Kind != "" {
					o.Recovery = "the handler failed after the trap: " + r.Error
				}
			}
			return o
		},
		checks: []checker{succeeded, factIs("reply_reports_failure", "true")},
	},
	{
		id:       "interrupt.loop",
		tried:    "cancel the context of a call whose guest is looping (after it says it entered the loop)",
		expected: "interrupted within 2s of the cancel; the next call succeeds",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return interrupt(ctx, s, func(ctx context.Context, tg string) observation {
				return s.call(ctx, interruptProfile, "spin_tagged", map[string]string{"tag": tg})
			})
		},
		checks: []checker{factIs("interrupted_in_loop", "true"), kindIs(runtime.KindInterrupted), stoppedWithin(func(runtime.Limits) time.Duration { return interruptBound }, "after the cancel")},
	},
	{
		id:       "interrupt.nested",
		tried:    "cancel the context of a handler blocked in tool_call while the tool loops",
		expected: "the handler and the tool are both stopped; interrupted within 2s of the cancel",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return interrupt(ctx, s, func(ctx context.Context, tg string) observation {
				return handle(ctx, s, interruptProfile, `/call spin_tagged {"tag":"`+tg+`"}`)
			})
		},
		checks: []checker{factIs("interrupted_in_loop", "true"), kindIs(runtime.KindInterrupted), stoppedWithin(func(runtime.Limits) time.Duration { return interruptBound }, "after the cancel")},
	},
	{
		id:       "guest.panic",
		tried:    "a tool that panics (the Go runtime traps)",
		expected: "a trap; the instance is discarded; the next call succeeds",
		run:      limitRow("panic", nil),
		checks:   []checker{kindIs(runtime.KindTrap)},
	},
	{
		id:       "guest.exit",
		tried:    "a tool that calls proc_exit(3)",
		expected: "an exit with code 3, not the host's; the next call succeeds",
		run:      limitRow("exit", nil),
		checks:   []checker{kindIs(runtime.KindExit), errorContains("code 3")},
	},
}

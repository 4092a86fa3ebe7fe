package suite

// Rows that a limit must stop, once per target: loops, memory bombs, stack
// exhaustion, oversized output, host call floods and log floods.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/wasmgw/wasmgw/runtime"
)

// limitRows are the loop, memory, stack, output, host call and log rows, in
// report order.
var limitRows = []rowSpec{
	{
		id:        "loop.go",
		tried:     "a Go tool that loops forever",
		expected:  "stopped as a timeout at the profile's timeout; the instance is discarded and the next call succeeds",
		perTarget: true, long: true,
		run:    longLimitRow("spin", nil),
		checks: []checker{kindIs(runtime.KindTimeout), stoppedWithin(timeoutGrace, "the timeout plus grace")},
	},
	{
		id:        "loop.wat",
		tried:     "a hand-written module whose export is a bare `loop br` (no calls, no runtime)",
		expected:  "stopped as a timeout at the profile's timeout",
		perTarget: true, long: true,
		run:    watRow("spin"),
		checks: []checker{kindIs(runtime.KindTimeout), stoppedWithin(timeoutGrace, "the timeout plus grace")},
	},
	{
		id:        "memory.go-bomb",
		tried:     "a Go tool that allocates and touches 1 MiB blocks without end",
		expected:  "stopped as out_of_memory at the profile's memory limit (or by its timeout); the next call succeeds",
		perTarget: true,
		run:       limitRow("membomb", nil),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTimeout)},
	},
	{
		id:        "memory.wat-grow",
		tried:     "a hand-written module that calls memory.grow until it fails, then traps",
		expected:  "growth past the limit is refused; the call fails as out_of_memory",
		perTarget: true,
		run:       watRow("grow"),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTimeout)},
	},
	{
		id:        "stack.go",
		tried:     "a Go tool that recurses without end (its goroutine stack grows in linear memory)",
		expected:  "stopped as out_of_memory or a trap (or by the timeout); the next call succeeds",
		perTarget: true,
		run:       limitRow("recurse", nil),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTrap, runtime.KindExit, runtime.KindTimeout)},
	},
	{
		id:        "stack.wat",
		tried:     "a hand-written module that recurses without end (the engine's call stack)",
		expected:  "a trap naming the stack overflow (or the timeout, when it comes first: the engine grows its stack before it gives up); the host is unharmed",
		perTarget: true,
		run:       watRow("stack"),
		checks: []checker{kindIs(runtime.KindTrap, runtime.KindTimeout), custom(func(l runtime.Limits, o observation) string {
			if o.Kind == string(runtime.KindTrap) {
				return errorContains("stack")(l, o)
			}
			return ""
		})},
	},
	{
		id:        "table.wat-grow",
		tried:     "a hand-written module that grows a table declared without a maximum by 2^31 elements, twice (each a word of host memory; it killed the host with an out-of-memory fatal error)",
		expected:  "table.grow fails past the host's bound of 1,048,576 elements, the guest traps; the host is unharmed",
		perTarget: true,
		run:       watRow("table_grow"),
		checks:    []checker{kindIs(runtime.KindTrap)},
	},
	{
		id:        "output.oversized",
		tried:     "return a string one byte over the module's max_output",
		expected:  "output_too_large (out_of_memory when the memory limit cannot hold it); nothing of it is kept",
		perTarget: true,
		run: limitRow("big_output", func(l runtime.Limits) any {
			// A JSON string of n bytes is n+2 bytes of output.
			return map[string]uint64{"bytes": min(l.MaxOutput, 1<<30) - 1}
		}),
		checks: []checker{custom(func(l runtime.Limits, o observation) string {
			if l.MaxOutput+2 > l.Memory/2 {
				return kindIs(runtime.KindOutputTooLarge, runtime.KindOutOfMemory, runtime.KindTimeout)(l, o)
			}
			return kindIs(runtime.KindOutputTooLarge)(l, o)
		})},
	},
	{
		id:        "hostcalls.flood",
		tried:     "call secret_get in a loop until the host refuses",
		expected:  "host_call_budget once max_host_calls is spent (or the timeout first, when the budget is larger than the time allows)",
		perTarget: true,
		run:       limitRow("flood", nil),
		checks:    []checker{kindIs(runtime.KindBudget, runtime.KindTimeout)},
	},
	{
		id:        "log.flood",
		tried:     "write 200-byte log records totalling twice the module's max_log",
		expected:  "the host keeps at most max_log bytes of the call's log and says once that it dropped the rest",
		perTarget: true,
		run: func(ctx context.Context, s *suite, t *Target) observation {
			tg := tag()
			const warning = "guest log budget spent"
			s.log.watch(tg, warning)
			before := s.log.count(warning)
			flood := min(2*t.Limits.MaxLog+4096, 16<<20)
			o := s.call(ctx, attacker(t), "log_flood", map[string]any{"tag": tg, "bytes": flood})
			o.fact("flooded_bytes", strconv.FormatUint(flood, 10))
			o.fact("kept_bytes", strconv.Itoa(200*s.log.count(tg)))
			o.fact("warnings", strconv.Itoa(s.log.count(warning)-before))
			return o
		},
		checks: []checker{succeeded, custom(func(l runtime.Limits, o observation) string {
			kept, err1 := strconv.ParseUint(o.Facts["kept_bytes"], 10, 64)
			flooded, err2 := strconv.ParseUint(o.Facts["flooded_bytes"], 10, 64)
			warnings, err3 := strconv.Atoi(o.Facts["warnings"])
			switch {
			case err1 != nil || err2 != nil || err3 != nil:
				return "the log was not measured"
			case kept == 0:
				return "no record reached the host log: the channel was not exercised"
			case kept > l.MaxLog:
				return fmt.Sprintf("the host kept %d bytes of the call's log, more than max_log %d", kept, l.MaxLog)
			case flooded > l.MaxLog && warnings != 1:
				return fmt.Sprintf("%d budget warnings, want exactly 1", warnings)
			}
			return ""
		})},
	},
}

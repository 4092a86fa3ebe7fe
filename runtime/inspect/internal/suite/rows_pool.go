package suite

// Rows that attack the instance pool: profiles hoarding memory in reused
// instances, and instance state one profile leaves for another.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// poolRows are the instance pool rows, in report order.
var poolRows = []rowSpec{
	{
		id:        "pool.hoard",
		tried:     "two profiles running the same module alternately keep a block (a memory limit's eighth) and a tag per call in their instance, across calls, until the limit",
		expected:  "each instance only ever holds its own profile's tags; the attacker ends out_of_memory and its next instance starts empty",
		perTarget: true,
		run: func(ctx context.Context, s *suite, t *Target) observation {
			chunk := max(t.Limits.Memory/8, 1<<20)
			tags := map[string]string{attacker(t): tag(), twin(t): tag()}
			var o observation
			foreign, failedKind, restarted, maxCalls := 0, "", "not reached", 0
			start := time.Now()
			for round := 0; round < 24 && failedKind == ""; round++ {
				for _, p := range []string{attacker(t), twin(t)} {
					r := s.call(ctx, p, "hoard", map[string]any{"tag": tags[p], "bytes": chunk})
					o.Leaks = append(o.Leaks, r.Leaks...)
					if r.Setup != "" {
						return r
					}
					if r.Kind != "" {
						if p == attacker(t) {
							failedKind = r.Kind
						}
						continue
					}
					var h struct {
						Calls int      `json:"calls"`
						Tags  []string `json:"tags"`
					}
					if !decode(&r, &h) {
						return r
					}
					maxCalls = max(maxCalls, h.Calls)
					for _, tg := range h.Tags {
						if tg != tags[p] {
							foreign++
						}
					}
				}
			}
			if failedKind != "" {
				r := s.call(ctx, attacker(t), "hoard", map[string]any{"tag": tags[attacker(t)], "bytes": 1 << 10})
				var h struct {
					Calls int      `json:"calls"`
					Tags  []string `json:"tags"`
				}
				switch {
				case r.Kind != "":
					restarted = "failed: " + r.Kind
				case decode(&r, &h):
					restarted = strconv.FormatBool(h.Calls == 1)
				}
			}
			o.Took = time.Since(start)
			o.fact("foreign_tags", strconv.Itoa(foreign))
			o.fact("attacker_failed", failedKind)
			o.fact("restarted_empty", restarted)
			o.fact("max_calls_per_instance", strconv.Itoa(maxCalls))
			return o
		},
		checks: []checker{factIs("foreign_tags", "0"), factIs("restarted_empty", "true"), custom(func(_ runtime.Limits, o observation) string {
			if k := o.Facts["attacker_failed"]; k != string(runtime.KindOutOfMemory) && k != string(runtime.KindTimeout) {
				return fmt.Sprintf("the hoarding instance ended with %q, want out_of_memory", k)
			}
			return ""
		})},
	},
	{
		id:       "pool.state",
		tried:    "set a value in a module's instance state, then call the same module (same compiled code) from another profile",
		expected: "the other profile never sees it; the attacker's own pooled instance does",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			tg := tag()
			o := s.call(ctx, attacker(t), "state", map[string]string{"set": tg})
			if o.Setup != "" || o.Kind != "" {
				return o
			}
			again := s.call(ctx, attacker(t), "state", nil)
			o.fact("reused_own", strconv.FormatBool(strings.Contains(again.Output, tg)))
			seen := 0
			for range 5 {
				r := s.call(ctx, twin(t), "state", map[string]string{"set": "twin"})
				if r.Setup != "" || r.Kind != "" {
					return r
				}
				if strings.Contains(r.Output, tg) {
					seen++
				}
			}
			o.fact("seen_by_other_profile", strconv.Itoa(seen))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("seen_by_other_profile", "0")},
	},
}

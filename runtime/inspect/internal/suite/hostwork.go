package suite

// The host-work rows: a guest floods the host through a channel it has
// without any grant (stdout, log attributes, http_fetch placeholders, audit
// records), and the row measures the host, not just the guest: how long the
// host was held past the call's deadline, how much its Go heap allocated
// and kept, and how many records and lines it wrote on the call's behalf.

import (
	"context"
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// hostWorkProfile runs the host-work rows: the Go hostile module under the
// first target's limits.
const hostWorkProfile = "hostwork"

// The bounds every host-work row holds the host to. The unbounded host
// took minutes and gigabytes on these attacks.
const (
	// hostHeldBound is how long past a call's deadline the host may still
	// be working on its behalf (generous: a loaded machine delays the
	// timer and the guest's next termination check).
	hostHeldBound = 2 * time.Second
	// hostAllocBound is how much the host's Go heap may allocate during
	// one flood (the neighbour's calls running meanwhile included).
	hostAllocBound = 128 << 20
	// hostGrowthBound is how much the host's live heap may grow across
	// one flood, after a collection.
	hostGrowthBound = 32 << 20
)

// hostWorkConfig is the hostwork profile's config.yaml.
func hostWorkConfig(l runtime.Limits, module string) string {
	lim := limitsYAML(l)
	if l.MaxAuditRecords > 0 {
		lim = strings.TrimSuffix(lim, "}") + fmt.Sprintf(", max_audit_records: %d}", l.MaxAuditRecords)
	}
	return "wasmgw:\n  limits: " + lim + "\n  modules:\n    hostile:\n      path: " + module + "\n      grants: [OPENAI_API_KEY]\n"
}

func maxAuditRecords(l runtime.Limits) uint64 {
	if l.MaxAuditRecords == 0 {
		return runtime.DefaultMaxAuditRecords
	}
	return l.MaxAuditRecords
}

// hostCall runs a flood tool of the hostwork profile and records what it
// cost the host: held_past_deadline_ms, host_alloc_mib (what the Go heap
// allocated meanwhile, the rest of the suite included), heap_growth_mib
// (the live heap's growth, after a collection).
//
// A row that runs concurrently with others (long) does not record
// host_alloc_mib: it would be theirs too.
func (s *suite) hostCall(ctx context.Context, t *Target, concurrent bool, tool string, input any) observation {
	var before, mid, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	o := s.call(ctx, hostWorkProfile, tool, input)
	goruntime.ReadMemStats(&mid)
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	held := max(0, o.Took-t.Limits.Timeout)
	o.fact("held_past_deadline_ms", strconv.FormatInt(held.Milliseconds(), 10))
	if !concurrent {
		o.fact("host_alloc_mib", strconv.FormatUint((mid.TotalAlloc-before.TotalAlloc)>>20, 10))
	}
	o.fact("heap_growth_mib", strconv.FormatInt(max(0, int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20, 10))
	var r struct {
		Rounds int   `json:"rounds"`
		Last   int64 `json:"last"`
	}
	if o.Kind == "" && json.Unmarshal([]byte(o.Output), &r) == nil {
		o.Codes = map[string]int64{"last": r.Last}
	}
	o.Output = ""
	if o.Setup == "" {
		o.Recovery = s.recovery(ctx, hostWorkProfile)
	}
	return o
}

// hostBounded checks the host-cost facts of a host-work row.
func hostBounded(_ runtime.Limits, o observation) string {
	for _, c := range []struct {
		fact  string
		bound int64
		what  string
	}{
		{"held_past_deadline_ms", hostHeldBound.Milliseconds(), "ms past the call's deadline"},
		{"host_alloc_mib", hostAllocBound >> 20, "MiB allocated by the host during the call"},
		{"heap_growth_mib", hostGrowthBound >> 20, "MiB of host heap growth"},
	} {
		f, ok := o.Facts[c.fact]
		if !ok && c.fact == "host_alloc_mib" {
			continue // not measured in a concurrent row
		}
		v, err := strconv.ParseInt(f, 10, 64)
		switch {
		case err != nil:
			return c.fact + " was not measured"
		case v > c.bound:
			return fmt.Sprintf("%s = %d: more than %d %s", c.fact, v, c.bound, c.what)
		}
	}
	return ""
}

// factAtMost fails when the fact (an integer) is over bound(l).
func factAtMost(key string, bound func(runtime.Limits) int) checker {
	return func(l runtime.Limits, o observation) string {
		v, err := strconv.Atoi(o.Facts[key])
		if b := bound(l); err != nil || v > b {
			return fmt.Sprintf("%s = %q, want at most %d", key, o.Facts[key], b)
		}
		return ""
	}
}

// oneSummary: a call whose records reached max_audit_records gets exactly
// one summary record (and one at most in any case).
func oneSummary(written string) checker {
	return func(l runtime.Limits, o observation) string {
		n, err1 := strconv.Atoi(o.Facts[written])
		sum, err2 := strconv.Atoi(o.Facts["summary_records"])
		switch {
		case err1 != nil || err2 != nil:
			return "the audit records were not counted"
		case sum > 1:
			return fmt.Sprintf("%d summary records for one call, want 1", sum)
		case uint64(n) >= maxAuditRecords(l) && sum != 1:
			return fmt.Sprintf("%s = %d reached max_audit_records but no summary record says how many were dropped", written, n)
		}
		return ""
	}
}

// longestName is the longest secret name the profile's audit records hold.
func (a *auditSink) longestName(profile string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k := range a.counts {
		if k.profile == profile {
			n = max(n, len(k.name))
		}
	}
	return n
}

// logDelta runs f and returns how many log records containing text it
// caused.
func (s *suite) logDelta(text string, f func()) int {
	s.log.watch(text)
	before := s.log.count(text)
	f()
	return s.log.count(text) - before
}

// auditDelta runs f and returns how many of the hostwork profile's audit
// records of a kind it caused.
func (s *suite) auditDelta(kind string, f func()) int {
	k := auditKey{kind: kind, profile: hostWorkProfile}
	before := s.audit.count(k)
	f()
	return s.audit.count(k) - before
}

// streamRecordCost is what max_log charges a stdout record: its text, the
// stream's name and the per-record charge (runtime's logRecordCost).
const streamRecordCost = 32 + len("stdout")

var hostWorkRows = []rowSpec{
	{
		id:       "host.stdout-flood",
		tried:    "write 1 MiB of newlines to stdout per fd_write (fmt.Print does, no grant needed), 64 times (64 MiB, one host call each)",
		expected: "the host splits lines in linear time and stops at max_log (the rest only counted, one summary line): done within the deadline, heap bounded",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			var o observation
			records := s.logDelta("profile="+hostWorkProfile+" module=hostile guest.stream=stdout", func() {
				o = s.hostCall(ctx, t, false, "stdout_flood", map[string]any{"bytes": min(1<<20, t.Limits.Memory/8), "newlines": true, "loop": true, "rounds": 64})
			})
			o.fact("stdout_records", strconv.Itoa(records))
			return o
		},
		checks: []checker{succeeded, hostBounded, factAtLeast("stdout_records", 1),
			factAtMost("stdout_records", func(l runtime.Limits) int { return int(l.MaxLog)/streamRecordCost + 1 })},
	},
	{
		id:       "host.log-attribute-bomb",
		tried:    "call log with an 8 MiB attribute object (an eighth of memory at most), 2000 times (or until the host-call budget)",
		expected: "the host cuts each record to 16 KiB and charges max_log before decoding anything: no attribute of the bomb is decoded",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			var o observation
			records := s.logDelta(`msg="log bomb"`, func() {
				o = s.hostCall(ctx, t, false, "log_bomb", map[string]any{"bytes": min(8<<20, t.Limits.Memory/8), "loop": true, "rounds": 2000})
			})
			o.fact("log_records", strconv.Itoa(records))
			return o
		},
		checks: []checker{hostBounded, factAtLeast("log_records", 1),
			factAtMost("log_records", func(l runtime.Limits) int { return int(l.MaxLog)/32 + 1 })},
	},
	{
		id:       "host.placeholder-flood",
		tried:    "one http_fetch naming 20,000 distinct {{secret:...}} placeholders (the module has no egress policy)",
		expected: "refused as invalid (at most 32 distinct secrets, 1024 placeholders a request) in linear time, with no audit record or log line per name",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			var o observation
			var egress int
			lines := s.logDelta("http_fetch refused", func() {
				egress = s.auditDelta(runtime.AuditKindEgress, func() {
					o = s.hostCall(ctx, t, false, "placeholder_flood", map[string]any{"count": 20000})
				})
			})
			o.fact("egress_records", strconv.Itoa(egress))
			o.fact("refusal_lines", strconv.Itoa(lines))
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{"last": -3}), hostBounded, factIs("egress_records", "0"), factIs("refusal_lines", "0")},
	},
	{
		id:       "host.refusal-flood",
		tried:    "http_fetch with 32 placeholders (each refused: no egress policy), 200 times (or until the host-call budget)",
		expected: "at most max_audit_records egress records and 100 refusal lines (and max_log bytes of them) in the call, then one summary record and one summary line",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			var o observation
			var egress, summaries int
			lines := s.logDelta("http_fetch refused", func() {
				summaries = s.auditDelta(runtime.AuditKindDropped, func() {
					egress = s.auditDelta(runtime.AuditKindEgress, func() {
						o = s.hostCall(ctx, t, false, "placeholder_flood", map[string]any{"count": 32, "loop": true, "rounds": 200})
					})
				})
			})
			o.fact("egress_records", strconv.Itoa(egress))
			o.fact("summary_records", strconv.Itoa(summaries))
			o.fact("refusal_lines", strconv.Itoa(lines))
			return o
		},
		checks: []checker{hostBounded,
			factAtMost("egress_records", func(l runtime.Limits) int { return int(maxAuditRecords(l)) }),
			oneSummary("egress_records"),
			factAtMost("refusal_lines", func(runtime.Limits) int { return runtime.MaxHostLines })},
	},
	{
		id:       "host.audit-flood",
		tried:    "secret_get with a 256-byte name, 20,000 times or until the host-call budget (one audit record per host call)",
		expected: "at most max_audit_records records in the call, names cut to 128 bytes, then one summary record of the rest",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			var o observation
			var reads, summaries int
			summaries = s.auditDelta(runtime.AuditKindDropped, func() {
				reads = s.auditDelta("", func() {
					o = s.hostCall(ctx, t, false, "audit_flood", map[string]any{"count": 256, "loop": true, "rounds": 20000})
				})
			})
			o.fact("read_records", strconv.Itoa(reads))
			o.fact("summary_records", strconv.Itoa(summaries))
			o.fact("longest_name", strconv.Itoa(s.audit.longestName(hostWorkProfile)))
			return o
		},
		checks: []checker{hostBounded,
			factAtMost("read_records", func(l runtime.Limits) int { return int(maxAuditRecords(l)) }),
			oneSummary("read_records"),
			factAtMost("longest_name", func(runtime.Limits) int { return 160 })},
	},
}

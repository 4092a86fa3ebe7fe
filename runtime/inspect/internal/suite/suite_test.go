package suite

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// testLimits are small so the real suite is quick: the loop rows take the
// timeout, the memory rows fill the memory limit.
var testLimits = runtime.Limits{Memory: 32 << 20, Timeout: 2 * time.Second, MaxOutput: 64 << 10, MaxLog: 8 << 10, MaxHostCalls: 5000}

type suiteRun struct {
	report *Result
	obs    map[string]observation
	took   time.Duration
}

var (
	realOnce sync.Once
	realRun  suiteRun
)

// realSuite runs the hostile suite once per test binary against a real
// engine, with the hostile modules built from this checkout.
func realSuite(t *testing.T) suiteRun {
	t.Helper()
	dir := runtimetest.EmbedHostile(t)
	realOnce.Do(func() {
		var mu sync.Mutex
		obs := map[string]observation{}
		start := time.Now()
		rep := Run(context.Background(), Options{
			Targets:  []Target{{ID: "t1", Profiles: []string{"p"}, Limits: testLimits}},
			Modules:  os.DirFS(dir),
			CacheDir: runtimetest.CacheDir(),
			Environ:  []string{"PATH=/usr/bin:/bin", "HOME=/root"},
			observe: func(id string, o observation) {
				mu.Lock()
				obs[id] = o
				mu.Unlock()
			},
		})
		realRun = suiteRun{report: rep, obs: obs, took: time.Since(start)}
	})
	if realRun.report == nil {
		t.Fatal("the suite did not run")
	}
	return realRun
}

// TestHostileSuiteContainsEveryAttack runs the real suite: every row
// passes, the neighbour kept being served, nothing leaked.
func TestHostileSuiteContainsEveryAttack(t *testing.T) {
	run := realSuite(t)
	rep := run.report
	if rep.Error != "" {
		t.Fatalf("the suite could not run: %s", rep.Error)
	}
	if len(rep.Rows) < 25 || len(rep.Rows) != len(rowCatalogue) {
		t.Fatalf("%d rows (catalogue %d), want at least 25", len(rep.Rows), len(rowCatalogue))
	}
	for _, r := range rep.Rows {
		t.Logf("%-32s %s %9.1fms %s", r.ID, r.Result, r.DurationMS, clipText(r.Observed, 140))
		if r.Result != ResultPass {
			t.Errorf("%s: %s\n  tried: %s\n  expected: %s\n  observed: %s", r.ID, r.Reason, r.Tried, r.Expected, r.Observed)
		}
		if r.Tried == "" || r.Expected == "" || r.Observed == "" {
			t.Errorf("%s: a row must say what it tried, expected and observed: %+v", r.ID, r)
		}
	}
	nb := rep.Neighbour
	t.Logf("neighbour: %d calls, %d failures, p50 %.1fms p99 %.1fms max %.1fms; suite %s", nb.Calls, nb.Failures, nb.P50MS, nb.P99MS, nb.MaxMS, run.took.Round(time.Millisecond))
	if nb.Calls == 0 || nb.Failures != 0 || nb.P50MS <= 0 || nb.MaxMS < nb.P99MS || nb.P99MS < nb.P50MS {
		t.Errorf("neighbour %+v", nb)
	}
	// The loop rows run concurrently (about one timeout plus the rest, not
	// two timeouts plus the rest); that is a performance property, logged
	// above, not asserted: on a loaded 2-core machine under -race the
	// whole suite took minutes either way.
}

// breakRow turns the real (contained) observation of each row into what
// the sandbox failing would look like. Every row must have one.
var breakRow = map[string][]func(o observation) observation{
	"secret.cross-profile-name":     {withFact("outcome", "found")},
	"secret.same-name-own-value":    {withFact("value_is_own", "false"), withFact("value_is_neighbours", "true")},
	"secret.ungranted":              {withFact("outcome", "found")},
	"secret.relay-material":         {withFact("outcome", "found")},
	"secret.enumerate":              {withFact("found", "GITHUB_TOKEN,OPENAI_API_KEY"), withFact("relay", "found,denied,denied")},
	"secret.no-process-environment": {withFact("outcome", "found")},
	"wasi.environment":              {withFact("environ", "3"), withFact("raw_args", "1")},
	"wasi.filesystem":               {withFact("read_ok", "true"), withFact("host_file_written", "true")},
	"wasi.raw-descriptors":          {withCode("fd_prestat_get_3", 0), withCode("sock_accept_3", 0)},
	"wasi.network":                  {withFact("host_connections", "1")},
	"wasi.clock":                    {withFact("clock_real", "false")},
	"loop.go":                       {withKind(""), withTook(time.Minute)},
	"loop.wat":                      {withKind(""), withTook(time.Minute)},
	"memory.go-bomb":                {withKind("")},
	"memory.wat-grow":               {withKind(""), withKind("trap")},
	"stack.go":                      {withKind("")},
	"stack.wat":                     {withKind(""), func(o observation) observation { return withError("trapped: unreachable")(withKind("trap")(o)) }},
	"table.wat-grow":                {withKind(""), withKind("timeout")},
	"output.oversized":              {withKind("")},
	"hostcalls.flood":               {withKind("")},
	"log.flood":                     {withFact("kept_bytes", "1048576"), withFact("warnings", "0"), withFact("kept_bytes", "0")},
	"pool.hoard":                    {withFact("foreign_tags", "1"), withFact("restarted_empty", "false"), withFact("attacker_failed", "")},
	"pool.state":                    {withFact("seen_by_other_profile", "1")},
	"oob.secret_get":                {withKind("trap"), withCode("secret_name_past_end", 0), withCode("secret_zero_cap_far", -4)},
	"oob.log":                       {withKind("trap"), withCode("log_msg_past_end", 0)},
	"oob.output":                    {withKind("trap"), withCode("output_past_end", 0)},
	"oob.self":                      {withKind("trap"), withCode("self_wraparound", 52)},
	"oob.tool_call":                 {withKind("trap"), withCode("tool_call_past_end", -7)},
	"oob.result_read":               {withKind("trap"), withCode("result_read_past_end", 40)},
	"oob.http_fetch":                {withKind("trap"), withCode("http_fetch_req_past_end", -8)},
	"oob.overlap":                   {withKind("trap"), withCode("http_fetch_overlap", 200), withCode("tool_call_all_overlap", 0)},
	"reentry.tool_call":             {withCode("tool_call", 2)},
	"nested.trap":                   {withKind("trap"), withFact("reply_reports_failure", "false")},
	"interrupt.loop":                {withKind("timeout"), withTook(10 * time.Second), withFact("interrupted_in_loop", "false")},
	"interrupt.nested":              {withKind("timeout"), withTook(10 * time.Second)},
	"guest.panic":                   {withKind("")},
	"guest.exit":                    {withKind(""), withError("exited with code 0")},
	"exfil.output":                  {withFact("redaction_marker", "false")},
	"exfil.logs":                    {withFact("stdout", "0")},
	"exfil.audit":                   {withFact("redacted_name_audited", "false")},
	"exfil.error":                   {withKind(""), withFact("redaction_marker", "false")},
	"exfil.panic":                   {withKind(""), withFact("redacted_in_log", "0")},
	"exfil.http_fetch":              {withCode("http_fetch", 153), withFact("host_connections", "1"), withFact("refusal_audited", "false")},
	"load.unknown-import":           {withKind(""), withError("profile \"x\": something else")},
	"load.unknown-host-function":    {withKind("")},
	"load.bad-signature":            {withKind("")},
	"load.imported-memory":          {withKind("")},
	"load.abi-version":              {withKind("")},
	"load.no-abi-marker":            {withKind("")},
	"load.manifest-abi":             {withKind("")},
	"host.stdout-flood":             {withFact("held_past_deadline_ms", "229000"), withFact("host_alloc_mib", "34000"), withFact("stdout_records", "5000"), withFact("stdout_records", "0")},
	"host.log-attribute-bomb":       {withFact("heap_growth_mib", "5900"), withFact("log_records", "100000"), withFact("log_records", "0")},
	"host.placeholder-flood":        {withFact("egress_records", "20000"), withFact("refusal_lines", "1"), withCode("last", -8), withFact("held_past_deadline_ms", "20000")},
	"host.refusal-flood":            {withFact("egress_records", "160000"), withFact("summary_records", "0"), withFact("refusal_lines", "5000")},
	"host.audit-flood":              {withFact("read_records", "99990"), withFact("longest_name", "256"), withFact("summary_records", "2")},
	"load.oversized-module":         hostLoadBreaks,
	"load.no-marker-big":            hostLoadBreaks,
	"load.declared-memory":          hostLoadBreaks,
	"load.declared-table":           hostLoadBreaks,
	"load.describe-limits": {
		func(o observation) observation { o.Error = "describe ran past its timeout of 10s"; return o },
		func(o observation) observation { o.Took = 10 * time.Second; return o },
	},
	"interp.steer-url":   interpBreaks,
	"interp.steer-args":  interpBreaks,
	"interp.steer-other": interpBreaks,
	"neighbour.served":   {withFact("failures", "3"), withFact("calls", "0")},
	"exfil.anywhere":     {withFact("log_records", "1"), withFact("outputs_and_errors", "2")},
	"exfil.report":       {withFact("values_in_report", "1")},
}

func withFact(k, v string) func(observation) observation {
	return func(o observation) observation {
		f := map[string]string{}
		for a, b := range o.Facts {
			f[a] = b
		}
		f[k] = v
		o.Facts = f
		return o
	}
}

func withCode(k string, v int64) func(observation) observation {
	return func(o observation) observation {
		c := map[string]int64{}
		for a, b := range o.Codes {
			c[a] = b
		}
		c[k] = v
		o.Codes = c
		return o
	}
}

func withKind(k string) func(observation) observation {
	return func(o observation) observation {
		o.Kind = k
		if k == "" {
			o.Error = ""
		}
		return o
	}
}

func withError(e string) func(observation) observation {
	return func(o observation) observation { o.Error = e; return o }
}

func withTook(d time.Duration) func(observation) observation {
	return func(o observation) observation { o.Took = d; return o }
}

// TestRowVerdictsAreDecisive: each row's verdict is a pure function of its
// observation. The real observation passes; the same observation with the
// sandbox broken (a memory bomb that succeeded, a leak, a neighbour that
// failed, ...) fails.
func TestRowVerdictsAreDecisive(t *testing.T) {
	run := realSuite(t)
	generic := map[string]func(observation) observation{
		"setup":     func(o observation) observation { o.Setup = "module missing"; return o },
		"leak":      func(o observation) observation { o.Leaks = []string{"log"}; return o },
		"neighbour": func(o observation) observation { o.Neighbour = "whoami answered for profile \"t1-attacker\""; return o },
		"recovery":  func(o observation) observation { o.Recovery = "trap: the instance was reused"; return o },
	}
	ids := RowIDs()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("row id %s twice", id)
		}
		seen[id] = true
		spec, _ := rowByID(id)
		good, ok := run.obs[id]
		if !ok {
			t.Errorf("%s: no observation from the real suite", id)
			continue
		}
		if why := spec.Verdict(testLimits, good); why != "" {
			t.Errorf("%s: the real observation fails: %s", id, why)
		}
		breaks := breakRow[id]
		if len(breaks) == 0 {
			t.Errorf("%s: no broken observation to test its checks with", id)
		}
		for i, b := range breaks {
			if why := spec.Verdict(testLimits, b(good)); why == "" {
				t.Errorf("%s: broken observation %d passes: %+v", id, i, b(good))
			}
		}
		for name, b := range generic {
			if why := spec.Verdict(testLimits, b(good)); why == "" {
				t.Errorf("%s: an observation with a %s failure passes", id, name)
			}
		}
	}
	for id := range breakRow {
		if !seen[id] {
			t.Errorf("breakRow names %s, which is not a row", id)
		}
	}
}

// The broken observations of the rows that measure the host: loaded, or
// compiled, or refused slowly or with gigabytes (the unchecked host's
// figures), or a steered entry accepted.
var (
	hostLoadBreaks = []func(observation) observation{
		withKind(""),
		withFact("compiled", "true"),
		withFact("host_alloc_mib", "3500"),
		func(o observation) observation { o.Took = 6 * time.Second; return o },
		func(o observation) observation { o.Error = "profile: something else"; return o },
	}
	interpBreaks = []func(observation) observation{
		withKind(""),
		func(o observation) observation {
			o.Error = "profile \"interp-steer\": the entry changed shape"
			return o
		},
	}
)

// selfContainedRows need no hostile module: the suite writes their module.
var selfContainedRows = []string{"load.oversized-module", "load.no-marker-big"}

// TestSuiteWithoutModulesFails: a binary built without the hostile
// modules fails every attack row, saying how to build them.
func TestSuiteWithoutModulesFails(t *testing.T) {
	rep := Run(context.Background(), Options{
		Targets:  []Target{{ID: "t1", Limits: testLimits}},
		Modules:  fstest.MapFS{},
		CacheDir: runtimetest.CacheDir(),
	})
	if rep.Error != "" {
		t.Fatal(rep.Error)
	}
	for _, r := range rep.Rows {
		spec, _ := rowByID(r.ID)
		if spec.meta != nil || slices.Contains(selfContainedRows, r.ID) {
			continue
		}
		if r.Result != ResultFail || !strings.Contains(r.Reason, "make hostile") {
			t.Errorf("%s: %s %q", r.ID, r.Result, r.Reason)
		}
	}
}

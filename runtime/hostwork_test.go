package runtime_test

// Host work a guest causes is charged to its call: these tests flood the
// host through each channel a guest has (stdout, log attributes, http_fetch
// placeholders, audit records) and measure what the host did: how many
// records and lines it wrote (deterministic), how much it allocated and how
// long it was held (generous bounds, orders of magnitude under what the
// unbounded host took: minutes and gigabytes).

import (
	"context"
	"encoding/json"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// hostWorkLimits are the flood profile's limits: max_log 8KiB, 50 audit
// records and 5000 host calls per call, a 2s timeout.
const hostWorkTimeout = 2 * time.Second

type hostWorkEnv struct {
	ctx   context.Context
	t     *runtime.Tenant
	log   *runtimetest.LogWatcher
	audit *runtime.MemoryAudit
}

func newHostWork(t testing.TB) *hostWorkEnv {
	t.Helper()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"flood": {
			Env: "OPENAI_API_KEY=sk-test-flood-9a8b7c6d\n",
			Config: `
wasmgw:
  limits: {memory: 64MiB, timeout: 2s, max_log: 8KiB, max_host_calls: 5000, max_audit_records: 50}
  modules:
    hostile:
      path: ` + runtimetest.Hostile(t, "go") + `
      grants: [OPENAI_API_KEY]
`,
		},
	})
	h := &hostWorkEnv{ctx: context.Background(), log: &runtimetest.LogWatcher{}, audit: &runtime.MemoryAudit{}}
	e := runtimetest.Engine(t, h.log, h.audit)
	var err error
	if h.t, err = e.Open(h.ctx, runtimetest.OpenProfile(t, home, "flood")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.t.Close(h.ctx) })
	// Warm the pool: the first instance's start is not the flood's cost.
	if _, err := h.t.CallTool(h.ctx, "state", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	return h
}

// hostCost is what one call cost the host.
type hostCost struct {
	took      time.Duration
	allocated uint64 // bytes the Go heap allocated during the call
	out       []byte
	err       error
}

// call runs a flood tool and measures it. The tests that use it do not run
// in parallel, so the allocation count is this call's (and the runtime's
// background noise, which is far below the bounds).
func (h *hostWorkEnv) call(t testing.TB, tool string, input any) hostCost {
	t.Helper()
	in, _ := json.Marshal(input)
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	start := time.Now()
	out, err := h.t.CallTool(h.ctx, tool, in)
	c := hostCost{took: time.Since(start), out: out, err: err}
	goruntime.ReadMemStats(&after)
	c.allocated = after.TotalAlloc - before.TotalAlloc
	t.Logf("%s: took %s, host allocated %d KiB, err %v", tool, c.took.Round(time.Millisecond), c.allocated>>10, err)
	return c
}

// heldSlack is how far past its timeout a call may end on a loaded
// machine under -race (the unbounded host work this file guards against
// held it for tens of seconds to minutes).
const heldSlack = 2 * time.Second

// within fails when the call held the host longer than its timeout plus
// heldSlack, or allocated more than limit bytes.
func (c hostCost) within(t *testing.T, limit uint64) {
	t.Helper()
	if c.took > hostWorkTimeout+heldSlack {
		t.Errorf("the host was held %s, more than the call's timeout %s plus %s", c.took, hostWorkTimeout, heldSlack)
	}
	if c.allocated > limit {
		t.Errorf("the host allocated %d MiB during the call, more than %d MiB", c.allocated>>20, limit>>20)
	}
}

// maxStreamRecords is the most stdout records max_log 8KiB can pay for:
// each costs its text plus the stream name plus the per-record charge.
const maxStreamRecords = 8192/(32+len("stdout")) + 1

func TestStdoutNewlineFloodIsLinearAndBounded(t *testing.T) {
	h := newHostWork(t)
	// One fd_write of 256 KiB of newlines: the quadratic splitter held the
	// host for seconds and allocated tens of gigabytes on it.
	c := h.call(t, "stdout_flood", map[string]any{"bytes": 256 << 10, "newlines": true})
	c.within(t, 16<<20)
	if c.err != nil {
		t.Fatal(c.err)
	}
	records := strings.Count(h.log.String(), "guest.stream=stdout")
	if records == 0 || records > maxStreamRecords {
		t.Errorf("%d stdout records reached the log, want 1 to %d (max_log 8KiB)", records, maxStreamRecords)
	}
	if n := strings.Count(h.log.String(), "guest log budget spent"); n != 1 {
		t.Errorf("%d budget summaries, want 1", n)
	}
	if !strings.Contains(h.log.String(), "dropped_bytes=") {
		t.Error("the summary does not say how much was dropped")
	}
}

func TestStdoutFloodStopsWithTheCall(t *testing.T) {
	h := newHostWork(t)
	// 1 MiB of newlines per fd_write, until the deadline stops the guest:
	// the host must be free within a second of the deadline.
	c := h.call(t, "stdout_flood", map[string]any{"bytes": 1 << 20, "newlines": true, "loop": true})
	wantKind(t, c.err, runtime.KindTimeout)
	c.within(t, 32<<20)
	if records := strings.Count(h.log.String(), "guest.stream=stdout"); records > maxStreamRecords {
		t.Errorf("%d stdout records reached the log, more than max_log pays for (%d)", records, maxStreamRecords)
	}
	// The profile serves its next call.
	if _, err := h.t.CallTool(h.ctx, "state", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
}

func TestStdoutFloodStopsOnInterrupt(t *testing.T) {
	h := newHostWork(t)
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	seen := h.log.Seen("guest.stream=stdout")
	done := make(chan error, 1)
	go func() {
		_, err := h.t.CallTool(ctx, "stdout_flood", []byte(`{"bytes":1048576,"newlines":true,"loop":true}`))
		done <- err
	}()
	var err error
	select {
	case <-seen:
		cancelled := time.Now()
		cancel()
		err = <-done
		// The unbounded splitter ignored the interrupt (and SIGTERM) for
		// minutes; a bounded one stops at the interrupt or at the latest
		// at the call's own timeout.
		if took := time.Since(cancelled); took > hostWorkTimeout+heldSlack {
			t.Errorf("the call ended %s after the interrupt", took)
		}
	case err = <-done:
		t.Fatalf("the flood ended before it wrote a line: %v", err)
	}
	wantKind(t, err, runtime.KindInterrupted)
}

func TestStdoutLongLineIsCut(t *testing.T) {
	h := newHostWork(t)
	c := h.call(t, "stdout_flood", map[string]any{"bytes": 1 << 20})
	if c.err != nil {
		t.Fatal(c.err)
	}
	c.within(t, 16<<20)
	log := h.log.String()
	if n := strings.Count(log, "guest.stream=stdout"); n != 1 {
		t.Fatalf("%d stdout records, want 1 (the line, cut)", n)
	}
	if !strings.Contains(log, "guest.cut_at=4096") || strings.Contains(log, strings.Repeat("x", 4097)) {
		t.Errorf("the line was not cut at 4096 bytes")
	}
	if len(log) > 16<<10 {
		t.Errorf("the host wrote %d bytes of log for one cut line", len(log))
	}
}

func TestLogAttributeBombIsNeverDecoded(t *testing.T) {
	h := newHostWork(t)
	// 8 MiB of attributes per log call, in a loop until the host-call
	// budget: the host used to decode each in full (gigabytes of garbage
	// in a 2s call).
	c := h.call(t, "log_bomb", map[string]any{"bytes": 8 << 20, "loop": true})
	wantKind(t, c.err, runtime.KindBudget)
	c.within(t, 32<<20)
	if records := strings.Count(h.log.String(), `msg="log bomb"`); records == 0 || records > 8192/32+1 {
		t.Errorf("%d log records, want 1 to %d", records, 8192/32+1)
	}
	if !strings.Contains(h.log.String(), "guest.dropped_attrs_bytes=") {
		t.Error("the record does not say its attributes were dropped")
	}
}

// egressRecords counts the profile's audit records of a kind.
func egressRecords(a *runtime.MemoryAudit, kind string) (n int, dropped uint64) {
	for _, r := range a.Records() {
		switch r.Kind {
		case kind:
			n++
		case runtime.AuditKindDropped:
			dropped += r.Dropped
		}
	}
	return n, dropped
}

func TestPlaceholderFloodIsRefusedOnce(t *testing.T) {
	h := newHostWork(t)
	// 20,000 distinct placeholders in one request (the finding used
	// 60,000; TestPlaceholderCaps parses 80,000): deduplicated in
	// quadratic time, then refused with an audit record and a log line
	// per name, before.
	c := h.call(t, "placeholder_flood", map[string]any{"count": 20000})
	if c.err != nil {
		t.Fatal(c.err)
	}
	c.within(t, 64<<20)
	if !strings.Contains(string(c.out), `"last":-3`) {
		t.Errorf("output %s: want ErrInvalid (-3), too many placeholders", c.out)
	}
	if n, _ := egressRecords(h.audit, runtime.AuditKindEgress); n != 0 {
		t.Errorf("%d egress audit records for a request refused as invalid", n)
	}
	if n := strings.Count(h.log.String(), "http_fetch refused"); n != 0 {
		t.Errorf("%d refusal lines for a request refused as invalid", n)
	}

	// At the cap: refused by the policy (none), one record per name.
	c = h.call(t, "placeholder_flood", map[string]any{"count": 32})
	if c.err != nil || !strings.Contains(string(c.out), `"last":-8`) {
		t.Fatalf("32 placeholders: %s %v, want ErrEgress (-8)", c.out, c.err)
	}
	if n, _ := egressRecords(h.audit, runtime.AuditKindEgress); n != 32 {
		t.Errorf("%d egress records, want 32", n)
	}
	c = h.call(t, "placeholder_flood", map[string]any{"count": 33})
	if c.err != nil || !strings.Contains(string(c.out), `"last":-3`) {
		t.Fatalf("33 placeholders: %s %v, want ErrInvalid (-3)", c.out, c.err)
	}
}

func TestRefusalFloodIsBoundedPerCall(t *testing.T) {
	h := newHostWork(t)
	// 32 names per request, a request per host call, until the budget:
	// about 160,000 refusal records and 5,000 WARN lines unbounded.
	c := h.call(t, "placeholder_flood", map[string]any{"count": 32, "loop": true})
	// The loop ends on the host-call budget, or on the timeout on a slow
	// machine; either way the budgets below hold.
	var ce *runtime.CallError
	if !errors.As(c.err, &ce) || ce.Kind != runtime.KindBudget && ce.Kind != runtime.KindTimeout {
		t.Fatalf("err = %v, want host_call_budget or timeout", c.err)
	}
	c.within(t, 512<<20)
	n, dropped := egressRecords(h.audit, runtime.AuditKindEgress)
	if n != 50 {
		t.Errorf("%d egress records written, want max_audit_records (50)", n)
	}
	if want := uint64(32*30 - 50); dropped < want {
		t.Errorf("the summary says %d records dropped, want at least %d", dropped, want)
	}
	summaries := 0
	for _, r := range h.audit.Records() {
		if r.Kind == runtime.AuditKindDropped {
			summaries++
		}
	}
	if summaries != 1 {
		t.Errorf("%d summary records, want 1", summaries)
	}
	// 100 lines at most, and no more than max_log (8KiB) of them: about 36.
	if lines := strings.Count(h.log.String(), "http_fetch refused"); lines < 1 || lines > min(runtime.MaxHostLines, 8192/100) {
		t.Errorf("%d refusal lines, want 1 to %d", lines, min(runtime.MaxHostLines, 8192/100))
	}
	if n := strings.Count(h.log.String(), "host log lines about this call dropped"); n != 1 {
		t.Errorf("%d host line summaries, want 1", n)
	}
}

func TestAuditFloodIsBoundedPerCall(t *testing.T) {
	h := newHostWork(t)
	// A secret_get per host call with a 256-byte name: 44 MB of audit
	// trail in half a second, unbounded.
	c := h.call(t, "audit_flood", map[string]any{"count": 256, "loop": true})
	wantKind(t, c.err, runtime.KindBudget)
	c.within(t, 64<<20)
	recs := h.audit.Records()
	var reads, summaries int
	var dropped uint64
	for _, r := range recs {
		switch r.Kind {
		case "":
			reads++
			if len(r.Name) > 160 {
				t.Fatalf("an audit record holds a name of %d bytes: %.80q...", len(r.Name), r.Name)
			}
		case runtime.AuditKindDropped:
			summaries++
			dropped += r.Dropped
		}
	}
	if reads != 50 || summaries != 1 {
		t.Errorf("%d reads and %d summaries written, want 50 and 1", reads, summaries)
	}
	if dropped < 4900 {
		t.Errorf("the summary says %d dropped, want about 4950", dropped)
	}
}

// BenchmarkHostWork runs each flood once per iteration and reports the
// worst: how long a flood call took, how long it held the host past its
// deadline, and how much the host allocated for it (make bench).
func BenchmarkHostWork(b *testing.B) {
	h := newHostWork(b)
	floods := []struct {
		tool  string
		input map[string]any
	}{
		{"stdout_flood", map[string]any{"bytes": 1 << 20, "newlines": true, "loop": true}},
		{"log_bomb", map[string]any{"bytes": 8 << 20, "loop": true}},
		{"placeholder_flood", map[string]any{"count": 60000}},
		{"placeholder_flood", map[string]any{"count": 32, "loop": true, "rounds": 500}},
		{"audit_flood", map[string]any{"count": 256, "loop": true}},
	}
	var worstTook, worstHeld time.Duration
	var worstAlloc uint64
	worst := ""
	for b.Loop() {
		for _, f := range floods {
			c := h.call(b, f.tool, f.input)
			if c.took > worstTook {
				worstTook, worst = c.took, f.tool
			}
			worstHeld = max(worstHeld, c.took-hostWorkTimeout)
			worstAlloc = max(worstAlloc, c.allocated)
		}
	}
	b.ReportMetric(float64(worstTook.Milliseconds()), "worst-call-ms")
	b.ReportMetric(float64(max(0, worstHeld).Milliseconds()), "worst-held-past-deadline-ms")
	b.ReportMetric(float64(worstAlloc)/(1<<20), "worst-host-alloc-MiB")
	b.Logf("slowest flood: %s", worst)
}

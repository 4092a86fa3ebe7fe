package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// hostileHome has a profile "mallory" running the hostile modules with tight
// limits, and "carol", a healthy neighbour.
func hostileHome(t *testing.T, extra string) string {
	t.Helper()
	return runtimetest.Home(t, map[string]runtimetest.Profile{
		"mallory": {
			Env: "OPENAI_API_KEY=sk-test-mallory-5e6f7a8b\nGITHUB_TOKEN=ghp_test_mallory_1234\n",
			Config: `
wasmgw:
  limits: {memory: 64MiB, timeout: 2s, max_output: 64KiB, max_log: 8KiB, max_host_calls: 5000}
  modules:
    hostile:
      path: ` + runtimetest.Hostile(t, "go") + `
      grants: [OPENAI_API_KEY]
    spinner:
      path: ` + runtimetest.Hostile(t, "spin") + `
      limits: {timeout: 300ms}
` + extra,
		},
		// bomber runs the memory attacks: a small memory limit and a timeout
		// far beyond what they need, so the outcome never depends on speed.
		"bomber": {
			Config: `
wasmgw:
  limits: {memory: 16MiB, timeout: ` + bomberTimeout.String() + `}
  modules:
    hostile: ` + runtimetest.Hostile(t, "go") + `
`,
		},
		"carol": {
			Env:    "OPENAI_API_KEY=sk-test-carol-0a1b2c3d\n",
			Config: "wasmgw:\n  modules:\n    whoami: builtin:whoami\n",
		},
	})
}

// bomberTimeout is the bomber profile's call timeout.
const bomberTimeout = 120 * time.Second

type hostileEnv struct {
	ctx     context.Context
	mallory *runtime.Tenant
	bomber  *runtime.Tenant
	carol   *runtime.Tenant
	log     *runtimetest.LogWatcher
	audit   *runtime.MemoryAudit
	home    string
	engine  *runtime.Engine
}

func newHostile(t *testing.T, extra string) *hostileEnv {
	t.Helper()
	h := &hostileEnv{ctx: context.Background(), log: &runtimetest.LogWatcher{}, audit: &runtime.MemoryAudit{}}
	h.home = hostileHome(t, extra)
	e := runtimetest.Engine(t, h.log, h.audit)
	h.engine = e
	var err error
	if h.mallory, err = e.Open(h.ctx, runtimetest.OpenProfile(t, h.home, "mallory")); err != nil {
		t.Fatal(err)
	}
	if h.carol, err = e.Open(h.ctx, runtimetest.OpenProfile(t, h.home, "carol")); err != nil {
		t.Fatal(err)
	}
	if h.bomber, err = e.Open(h.ctx, runtimetest.OpenProfile(t, h.home, "bomber")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.mallory.Close(h.ctx); h.carol.Close(h.ctx); h.bomber.Close(h.ctx) })
	return h
}

// neighbourServes checks the healthy profile still answers correctly.
func (h *hostileEnv) neighbourServes(t *testing.T) {
	t.Helper()
	out, err := h.carol.CallTool(h.ctx, "whoami", nil)
	if err != nil {
		t.Fatalf("neighbour call failed after the attack: %v", err)
	}
	if !bytes.Contains(out, []byte(sha("sk-test-carol-0a1b2c3d"))) {
		t.Fatalf("neighbour got %s", out)
	}
}

// openHostileAlone opens, on e, a profile "p" whose one module "m" is the
// hostile module name; extra is more of its config, under "wasmgw:".
func openHostileAlone(t *testing.T, e *runtime.Engine, name, extra string) (*runtime.Tenant, error) {
	t.Helper()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"p": {Config: "wasmgw:\n" + extra + "  modules:\n    m: " + runtimetest.Hostile(t, name) + "\n"},
	})
	return e.Open(context.Background(), runtimetest.OpenProfile(t, home, "p"))
}

func wantKind(t *testing.T, err error, kind runtime.ErrorKind) {
	t.Helper()
	var ce *runtime.CallError
	if !errors.As(err, &ce) || ce.Kind != kind {
		t.Fatalf("err = %v, want a %s CallError", err, kind)
	}
}

func TestHostileGuestsAreContained(t *testing.T) {
	h := newHostile(t, "")
	cases := []struct {
		name, tool, input string
		kind              runtime.ErrorKind
		msg               string
		bomber            bool
	}{
		{"go infinite loop", "spin", "", runtime.KindTimeout, "timeout of 2s", false},
		{"wat tight loop", "attack", "", runtime.KindTimeout, "timeout of 300ms", false},
		{"memory bomb", "membomb", "", runtime.KindOutOfMemory, "limit is 16 MiB", true},
		{"stack exhaustion", "recurse", "", runtime.KindOutOfMemory, "out of memory", true},
		{"huge output", "big_output", `{"bytes":1000000}`, runtime.KindOutputTooLarge, "exceeds the module's limit of 65536", false},
		{"host call flood", "flood", "", runtime.KindBudget, "more than 5000 host calls", false},
		{"panic", "panic", "", runtime.KindTrap, "unreachable", false},
		{"proc_exit", "exit", "", runtime.KindExit, "exited with code 3", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			attacker := h.mallory
			if c.bomber {
				attacker = h.bomber
			}
			discarded := h.engine.PoolStats().Discarded
			_, err := attacker.CallTool(h.ctx, c.tool, []byte(c.input))
			wantKind(t, err, c.kind)
			if got := h.engine.PoolStats().Discarded; got != discarded+1 {
				t.Errorf("instances discarded: %d, want %d: the failed instance must never be reused", got, discarded+1)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			t.Logf("%s contained in %s: %v", c.name, time.Since(start).Round(time.Millisecond), err)
			h.neighbourServes(t)
			// The attacker's own profile recovers too: the instance was discarded.
			if _, err := attacker.CallTool(h.ctx, "state", nil); err != nil {
				t.Fatalf("the attacker's next call failed: %v", err)
			}
		})
	}
}

// TestOutOfBoundsRangesAreRefused: every host function answers a bad range
// with a fault code, never a trap or a read past memory.
func TestOutOfBoundsRangesAreRefused(t *testing.T) {
	h := newHostile(t, "")
	out, err := h.mallory.CallTool(h.ctx, "oob", nil)
	if err != nil {
		t.Fatal(err)
	}
	var codes map[string]int32
	if err := json.Unmarshal(out, &codes); err != nil {
		t.Fatal(err)
	}
	const fault, invalid, unavailable, notFound = -4, -3, -7, -1
	want := map[string]int32{
		"secret_name_past_end": fault, "secret_name_wraparound": fault, "secret_name_too_long": invalid,
		"secret_buf_past_end": fault, "secret_buf_wraparound": fault,
		"log_msg_past_end": fault, "log_attrs_wraparound": fault, "log_bad_level": invalid, "log_attrs_not_json": invalid,
		"self_buf_past_end": fault, "tool_call_past_end": fault, "tool_call_not_handler": unavailable,
		"result_read_nothing": notFound, "output_past_end": fault,
	}
	for k, w := range want {
		if got, ok := codes[k]; !ok || got != w {
			t.Errorf("%s = %d (present %v), want %d", k, got, ok, w)
		}
	}
	// Overlapping name and buffer is legal: the host copies the name first,
	// then writes the value over it. The module was granted the name.
	if got := codes["secret_buf_overlaps_name"]; got != int32(len("sk-test-mallory-5e6f7a8b")) {
		t.Errorf("overlapping ranges: %d", got)
	}
	h.neighbourServes(t)
}

// TestWASIGivesNothing: no environment, no arguments, no files, no sockets;
// the clock is real.
func TestWASIGivesNothing(t *testing.T) {
	t.Setenv("LEAK_ME", "host-environment-value")
	h := newHostile(t, "")
	// A real listener on the host: the guest must not reach it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	out, err := h.mallory.CallTool(h.ctx, "wasi_probe", []byte(`{"dial":"`+ln.Addr().String()+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Environ   []string `json:"environ"`
		Args      []string `json:"args"`
		ReadRoot  string   `json:"read_root"`
		ReadEtc   string   `json:"read_etc"`
		WriteTmp  string   `json:"write_tmp"`
		Dial      string   `json:"dial"`
		Listen    string   `json:"listen"`
		ClockSane bool     `json:"clock_sane"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Environ) != 0 || len(p.Args) != 0 {
		t.Errorf("guest saw environ %v args %v", p.Environ, p.Args)
	}
	// Go's wasip1 net package emulates an in-process network, so Listen may
	// succeed inside the guest; nothing of it reaches the host.
	select {
	case <-accepted:
		t.Error("the guest connected to a host socket")
	default:
	}
	for name, v := range map[string]string{"read /": p.ReadRoot, "read /etc/passwd": p.ReadEtc, "write /tmp": p.WriteTmp, "dial": p.Dial} {
		if v == "ok" {
			t.Errorf("%s succeeded inside the sandbox", name)
		}
	}
	if !p.ClockSane {
		t.Error("the guest clock is not the real time")
	}
}

// TestExfiltrationIsRedacted: a module granted a secret tries to leak it
// through its log, stdout, stderr, output, error and the audit trail.
func TestExfiltrationIsRedacted(t *testing.T) {
	h := newHostile(t, "")
	const value = "sk-test-mallory-5e6f7a8b"
	out, err := h.mallory.CallTool(h.ctx, "exfil", []byte(`{"name":"OPENAI_API_KEY"}`))
	if err != nil {
		t.Fatal(err)
	}
	// Output may reach a chat user: the marker names no secret.
	if bytes.Contains(out, []byte(value)) || !bytes.Contains(out, []byte("[REDACTED]")) || bytes.Contains(out, []byte("OPENAI_API_KEY")) {
		t.Errorf("output not redacted: %s", out)
	}
	_, err = h.mallory.CallTool(h.ctx, "exfil_error", []byte(`{"name":"OPENAI_API_KEY"}`))
	if err == nil || strings.Contains(err.Error(), value) {
		t.Errorf("error not redacted: %v", err)
	}
	logs := h.log.String()
	for _, probe := range []string{"leaking", "stdout leak:", "stderr leak:"} {
		if !strings.Contains(logs, probe) {
			t.Errorf("log lacks %q: the channel was not exercised", probe)
		}
	}
	if strings.Contains(logs, value) {
		t.Errorf("log contains the value:\n%s", logs)
	}
	for _, r := range h.audit.Records() {
		if strings.Contains(r.Name, value) {
			t.Errorf("audit record holds the value: %+v", r)
		}
	}
}

// TestInstanceStateNeverCrossesProfiles: state a module keeps between calls
// stays within its profile even when both profiles run the same module.
func TestInstanceStateNeverCrossesProfiles(t *testing.T) {
	mod := runtimetest.Hostile(t, "go")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"alice": {Config: "wasmgw:\n  modules:\n    h: " + mod + "\n"},
		"bob":   {Config: "wasmgw:\n  modules:\n    h: " + mod + "\n"},
	})
	e := runtimetest.Engine(t, nil, nil)
	ctx := context.Background()
	alice, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "bob"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.CallTool(ctx, "state", []byte(`{"set":"alice-private"}`)); err != nil {
		t.Fatal(err)
	}
	// The pooled instance of alice keeps its state (reuse works) ...
	out, err := alice.CallTool(ctx, "state", nil)
	if err != nil || string(out) != `"alice-private"` {
		t.Fatalf("alice reuse: %s %v", out, err)
	}
	// ... and bob never gets it.
	for range 5 {
		out, err := bob.CallTool(ctx, "state", []byte(`{"set":"bob"}`))
		if err != nil || bytes.Contains(out, []byte("alice")) {
			t.Fatalf("bob saw %s (err %v)", out, err)
		}
	}
}

// TestInterruptStopsARunningCall: cancelling the caller's context stops a
// guest stuck in a loop, as an interruption. The guest is bomber's, whose
// timeout (120 s) is far beyond what an interrupt takes even on a loaded
// machine: the call ending before its timeout could fire is what shows
// the interrupt stopped it (a cancelled call is reported "interrupted"
// whatever stopped it).
func TestInterruptStopsARunningCall(t *testing.T) {
	h := newHostile(t, "")
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	spinning := h.log.Seen("spin: entering the loop")
	began := time.Now() // before the call, so before its timeout is armed
	go func() {
		_, err := h.bomber.CallTool(ctx, "spin", nil)
		done <- err
	}()
	<-spinning // the guest is in its loop now
	cancelled := time.Now()
	cancel()
	err := <-done
	wantKind(t, err, runtime.KindInterrupted)
	t.Logf("a looping guest stopped %s after its context was cancelled", time.Since(cancelled))
	if ran := time.Since(began); ran >= bomberTimeout {
		t.Errorf("the call ran %s: its %s timeout stopped it, not the interrupt", ran, bomberTimeout)
	}
	h.neighbourServes(t)
}

func TestModulesRefusedAtLoad(t *testing.T) {
	e := runtimetest.Engine(t, nil, nil)
	for _, c := range []struct{ module, want string }{
		{"abi_v2", "built for wasmgw ABI v2; this host speaks v1"},
		{"no_abi", "not a wasmgw module"},
		{"unknown_import", "imports env.exfiltrate"},
		{"unknown_host_func", "imports wasmgw.secret_list, which this host does not provide"},
		{"bad_signature", "imports wasmgw.secret_get with the wrong signature"},
		{"imports_memory", "imports memory env.memory"},
	} {
		t.Run(c.module, func(t *testing.T) {
			_, err := openHostileAlone(t, e, c.module, "")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `profile "p": module "m"`) {
				t.Fatalf("err = %v, want it to name the profile, module and %q", err, c.want)
			}
		})
	}
}

func TestRawMemoryGrowthIsCapped(t *testing.T) {
	ten, err := openHostileAlone(t, runtimetest.Engine(t, nil, nil), "grow", "  limits: {memory: 8MiB}\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ten.CallTool(context.Background(), "attack", nil)
	wantKind(t, err, runtime.KindOutOfMemory)
}

func TestWATStackOverflowTraps(t *testing.T) {
	t.Parallel()
	// The test is about the kind of failure, not about time: a generous
	// timeout, so that a loaded machine running the recursion under -race
	// still reaches the stack overflow (at 10s it did not, once).
	ten, err := openHostileAlone(t, runtimetest.Engine(t, nil, nil), "stack", "  limits:\n    timeout: 10m\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ten.CallTool(context.Background(), "attack", nil)
	wantKind(t, err, runtime.KindTrap)
	if !strings.Contains(err.Error(), "stack") {
		t.Errorf("error %v does not mention the stack", err)
	}
}

// TestStackOverflowCostsTheHostLittle: the engine's call stack of a guest
// recursing without end is a host allocation outside the guest's memory
// limit, so the host caps it (runtime.MaxCallStack): the call traps after
// the host allocated a few times that, not the ~200 MB of wazero's own
// ceiling (grown by doubling up to ~100 MB). Not parallel: the figure is
// the process's allocation during the call.
func TestStackOverflowCostsTheHostLittle(t *testing.T) {
	alloc, err := attackAllocation(t, "stack", "  limits:\n    timeout: 10m\n")
	wantKind(t, err, runtime.KindTrap)
	if !strings.Contains(err.Error(), "stack overflow") {
		t.Errorf("error %v is not a stack overflow", err)
	}
	// About 18 MiB (the stack doubling up to its 8 MiB cap); without the cap
	// 161 MiB. The bound leaves room for what other goroutines of the test
	// binary allocate meanwhile.
	if bound := uint64(8 * runtime.MaxCallStack); alloc > bound {
		t.Errorf("the host allocated %d MiB during the overflowing call, want at most %d MiB", alloc>>20, bound>>20)
	}
}

// attackAllocation calls the tool "attack" of the hostile WAT module name
// in a profile of its own (extra is more of its config, under "wasmgw:")
// and returns what the process allocated during the call, and its error.
// Its callers are not parallel, so that the figure is the call's.
func attackAllocation(t *testing.T, name, extra string) (uint64, error) {
	t.Helper()
	ten, err := openHostileAlone(t, runtimetest.Engine(t, nil, nil), name, extra)
	if err != nil {
		t.Fatal(err)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	_, err = ten.CallTool(context.Background(), "attack", nil)
	goruntime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

// TestTableGrowthIsCapped: a guest growing a table declared without a
// maximum by 2^31 elements, twice, used to kill the host ("fatal error:
// runtime: out of memory", which no recover catches); now table.grow fails
// past runtime.MaxTableElements, the guest traps on its own, and the host
// allocated nothing of the sort. Not parallel: the figure is the process's
// allocation during the call.
func TestTableGrowthIsCapped(t *testing.T) {
	alloc, err := attackAllocation(t, "table_grow", "")
	wantKind(t, err, runtime.KindTrap)
	if alloc > 64<<20 {
		t.Errorf("the host allocated %d MiB during the call, want at most 64 MiB", alloc>>20)
	}
}

// TestDeclaredTableIsBounded: a module declaring a table of 100 million
// elements (800 MB of host memory at instantiation) is refused at load,
// before it is compiled, with an error naming the table and the bound.
func TestDeclaredTableIsBounded(t *testing.T) {
	t.Parallel()
	e := runtimetest.Engine(t, nil, nil)
	_, err := openHostileAlone(t, e, "big_table", "")
	if err == nil {
		t.Fatal("a module declaring a table of 100,000,000 elements was loaded")
	}
	for _, want := range []string{`module "m"`, "table 0", "100000000 elements", "1048576"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := e.Compiles(); n != 0 {
		t.Errorf("%d modules compiled, want none", n)
	}
}

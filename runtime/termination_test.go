package runtime_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// loopingChildEnv makes TestLoopingGuestsOnFewProcessors run its scenario
// in this process: the parent sets it, with GOMAXPROCS, for a child copy of
// the test binary.
const loopingChildEnv = "WASMGW_TEST_LOOPING_CHILD"

// TestLoopingGuestsOnFewProcessors runs several guests that loop forever
// (WebAssembly text and Go, at once), and one that never loops but never
// ends (testdata/termination/calltree.wat), in a child process with GOMAXPROCS=1
// and =2, fewer processors than looping guests. It proves the cheap
// termination checks of the patched wazero (runtime/internal/_wazero/PATCHES)
// keep exiting to Go often enough: every guest is stopped at its deadline,
// the garbage collector's stop-the-world completes while guests loop, and a
// neighbour is served meanwhile. If compiled code never came back to Go, the
// child would hang (the goroutines that stop guests and the collector would
// wait for a processor forever) and be killed at the parent's bound.
func TestLoopingGuestsOnFewProcessors(t *testing.T) {
	if os.Getenv(loopingChildEnv) != "" {
		loopingGuestsScenario(t)
		return
	}
	if testing.Short() {
		t.Skip("runs child processes")
	}
	t.Parallel()
	for _, procs := range []int{1, 2} {
		t.Run("GOMAXPROCS="+strconv.Itoa(procs), func(t *testing.T) {
			t.Parallel()
			// A bound far beyond the scenario's few seconds: reaching it
			// means the child hung, which is the failure this test is about.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0],
				"-test.run=^TestLoopingGuestsOnFewProcessors$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs), loopingChildEnv+"=1")
			cmd.Dir = t.TempDir()
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("the child hung with GOMAXPROCS=%d: a guest was never stopped, or looping guests starved the host\n%s", procs, out)
			}
			if err != nil {
				t.Fatalf("child with GOMAXPROCS=%d failed: %v\n%s", procs, err, out)
			}
			if want := "procs=" + strconv.Itoa(procs) + " "; !bytes.Contains(out, []byte(want)) {
				t.Fatalf("the child did not report %q\n%s", want, out)
			}
			t.Logf("child with GOMAXPROCS=%d:\n%s", procs, out)
		})
	}
}

// loopingGuestsScenario is the child's side of
// TestLoopingGuestsOnFewProcessors.
func loopingGuestsScenario(t *testing.T) {
	procs := goruntime.GOMAXPROCS(0)
	calltree := filepath.Join(runtimetest.RepoRoot(t), "testdata", "termination", "calltree.wasm")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		// looper's guests are stopped by their 1s deadline.
		"looper": {Config: `
wasmgw:
  limits: {timeout: 1s}
  modules:
    hostile: ` + runtimetest.Hostile(t, "go") + `
    spinner: ` + runtimetest.Hostile(t, "spin") + `
    calltree: ` + calltree + `
`},
		// patient's guests loop until the test cancels them, so they are
		// certainly looping while the collector and the neighbour run.
		"patient": {Config: `
wasmgw:
  limits: {timeout: 120s}
  modules:
    hostile: ` + runtimetest.Hostile(t, "go") + `
    spinner: ` + runtimetest.Hostile(t, "spin") + `
`},
		"carol": {
			Env:    "OPENAI_API_KEY=sk-test-carol-0a1b2c3d\n",
			Config: "wasmgw:\n  modules:\n    whoami: builtin:whoami\n",
		},
	})
	log := &runtimetest.LogWatcher{}
	e := runtimetest.Engine(t, log, &runtime.MemoryAudit{})
	ctx := context.Background()
	open := func(name string) *runtime.Tenant {
		tn, err := e.Open(ctx, runtimetest.OpenProfile(t, home, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tn.Close(ctx) })
		return tn
	}
	looper, patient, carol := open("looper"), open("patient"), open("carol")

	type result struct {
		tool string
		err  error
		took time.Duration
	}
	call := func(ctx context.Context, tn *runtime.Tenant, tool string, results chan<- result) {
		start := time.Now()
		_, err := tn.CallTool(ctx, tool, nil)
		results <- result{tool, err, time.Since(start)}
	}

	// The patient guests first: the Go one says when it is in its loop.
	patientCtx, cancelPatient := context.WithCancel(ctx)
	defer cancelPatient()
	patientDone := make(chan result, 2)
	spinning := log.Seen("spin: entering the loop")
	go call(patientCtx, patient, "spin", patientDone)
	go call(patientCtx, patient, "attack", patientDone)
	<-spinning

	// Then five guests with a deadline: two of each kind of loop, and a
	// call tree that never loops (only function entries are checked there).
	looperTools := []string{"spin", "attack", "spin", "attack", "calltree"}
	looperDone := make(chan result, len(looperTools))
	for _, tool := range looperTools {
		go call(ctx, looper, tool, looperDone)
	}

	// While they all loop: a full collection (a stop-the-world needs every
	// goroutine, looping guests included, to reach Go) and a neighbour.
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	if after.NumGC <= before.NumGC {
		t.Errorf("NumGC %d -> %d: the collector did not run", before.NumGC, after.NumGC)
	}
	if out, err := carol.CallTool(ctx, "whoami", nil); err != nil || len(out) == 0 {
		t.Errorf("the neighbour was not served while guests looped: %q, %v", out, err)
	}
	select {
	case r := <-patientDone:
		t.Fatalf("a patient guest returned before it was cancelled: %s: %v", r.tool, r.err)
	default:
	}

	for range looperTools {
		r := <-looperDone
		wantKind(t, r.err, runtime.KindTimeout)
		// Never stopping is the failure; a loaded machine may be slow.
		if r.took > 30*time.Second {
			t.Errorf("%s stopped %s after its call began; its deadline is 1s", r.tool, r.took)
		}
		t.Logf("looper %s stopped after %s: %v", r.tool, r.took.Round(time.Millisecond), r.err)
	}
	cancelPatient()
	for range 2 {
		r := <-patientDone
		wantKind(t, r.err, runtime.KindInterrupted)
	}
	if out, err := carol.CallTool(ctx, "whoami", nil); err != nil || len(out) == 0 {
		t.Errorf("the neighbour was not served after the guests stopped: %q, %v", out, err)
	}
	t.Logf("procs=%d gc=%d->%d", procs, before.NumGC, after.NumGC)
}

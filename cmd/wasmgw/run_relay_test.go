package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestRunRelay: "run --relay" serves the profile through the real gateway
// and the embedded connector: a tool call with the profile's own key, an
// echo and the tool list come back, in order, and the end of input waits
// for them and exits 0.
func TestRunRelay(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "/call whoami {}\nhello\n\n/tools\n", []string{"OPENAI_API_KEY=sk-exported-by-the-shell"},
		"run", "--relay", "--home", home, "--profile", "alice", cacheFlag())
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	want := []string{
		"Serving profile alice through the gateway path over a loopback connector",
		`alice: {"profile":"alice","key_sha256":"` + sha("sk-test-alice-7f3a9c1e5b") + `"}`,
		"alice: echo: hello",
		"alice: Tools of alice:",
		"• whoami — ",
		"• text_stats — ",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(r.stdout[at:], w)
		if i < 0 {
			t.Fatalf("stdout lacks %q (in order):\n%s", w, r.stdout)
		}
		at += i + len(w)
	}
	noLeak(t, home, r.stdout+r.stderr, "sk-exported-by-the-shell")
}

func TestRunRelayRefusesTool(t *testing.T) {
	t.Parallel()
	r := run(t, "", nil, "run", "--relay", "--profile", "alice", "--tool", "whoami")
	if r.code != 2 || !strings.Contains(r.stderr, "--relay does not go with --tool") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

// TestRunRelayInterruptsOnSignal: SIGINT while the trial waits for input
// drains the gateway and exits 0.
func TestRunRelayInterruptsOnSignal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home := runtimetest.SampleHome(t)
	p := start(t, nil, "run", "--relay", "--home", home, "--profile", "bob", cacheFlag())
	if _, err := io.WriteString(p.stdin, "hi\n"); err != nil {
		t.Fatal(err)
	}
	p.seen(t, ctx, p.stdout, "bob: echo: hi")
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("exit %d after SIGINT\nstderr:\n%s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "stopping: the gateway drains") {
		t.Errorf("stderr:\n%s", p.stderr)
	}
}

// TestRunRelayStopInterruptsALongCall runs the command in this process
// (so that the race detector sees the conversation, the reply printer and
// the gateway together): a tool that loops forever is running, and /stop
// typed meanwhile stops it; the reply says so and the trial ends at once.
func TestRunRelayStopInterruptsALongCall(t *testing.T) {
	// Generous: booting compiles the hostile module, which on a loaded
	// 2-core machine under -race took over a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"spinner": {
			Env: "OPENAI_API_KEY=sk-test-spinner-0a1b2c3d\n",
			Config: "wasmgw:\n  limits: {memory: 64MiB, timeout: 120s}\n  modules:\n    hostile:\n      path: " +
				runtimetest.Hostile(t, "go") + "\n      grants: []\n",
		},
	})
	stdin, input := io.Pipe()
	defer stdin.Close()
	stdout, stderr := &runtimetest.LogWatcher{}, &runtimetest.LogWatcher{}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, environ: nil,
		getenv: func(k string) string {
			if k == "GOGC" {
				return "100" // leave this test process's GC alone
			}
			return ""
		}}
	done := make(chan error, 1)
	go func() {
		done <- a.main(ctx, []string{"run", "--relay", "--home", home, "--profile", "spinner", "--log-level", "info", cacheFlag()})
	}()
	wait := func(w *runtimetest.LogWatcher, text string) {
		t.Helper()
		select {
		case <-w.Seen(text):
		case err := <-done:
			t.Fatalf("returned %v before showing %q\nstdout:\n%s\nstderr:\n%s", err, text, stdout, stderr)
		case <-ctx.Done():
			t.Fatalf("waiting for %q\nstdout:\n%s\nstderr:\n%s", text, stdout, stderr)
		}
	}
	// send types text; it fails the test instead of blocking when the trial
	// has returned (nobody reads its input any more).
	send := func(text string) {
		t.Helper()
		wrote := make(chan error, 1)
		go func() { _, err := io.WriteString(input, text); wrote <- err }()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatal(err)
			}
		case err := <-done:
			t.Fatalf("returned %v before reading %q\nstdout:\n%s\nstderr:\n%s", err, text, stdout, stderr)
		case <-ctx.Done():
			t.Fatalf("typing %q: %v", text, ctx.Err())
		}
	}
	// A /stop with nothing running is answered locally.
	send("/stop\n" + `/call spin_tagged {"tag":"x"}` + "\n")
	wait(stderr, "spin: entering the loop x")
	if !strings.Contains(stdout.String(), "(nothing is running)") {
		t.Errorf("the first /stop: stdout:\n%s", stdout)
	}
	send("/stop\n")
	_ = input.Close()
	wait(stdout, "spinner: "+"⏹ Stopped.")
	select {
	case err := <-done:
		var ee *exitError
		if err != nil && !(errors.As(err, &ee) && ee.code == 0) {
			t.Fatalf("run --relay: %v\nstderr:\n%s", err, stderr)
		}
	case <-ctx.Done():
		t.Fatalf("run --relay did not return after the interrupt\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	noLeak(t, home, stdout.String()+stderr.String())
}

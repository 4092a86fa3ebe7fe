package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

func TestDefaultHandler(t *testing.T) {
	home := runtimetest.SampleHome(t)
	audit := &runtime.MemoryAudit{}
	e := runtimetest.Engine(t, nil, audit)
	alice := openSample(t, e, home, "alice")
	ctx := context.Background()
	for _, c := range []struct{ in, want string }{
		{"/tools", "• whoami — Reports the calling profile"},
		{"/call whoami {}", `{"profile":"alice","key_sha256":"` + sha("sk-test-alice-7f3a9c1e5b") + `"}`},
		{"/call whoami", `"profile":"alice"`},
		{`/call text_stats {"text":"a a b"}`, `"words":3`},
		{"/call nope", `no tool "nope" here`},
		{`/call whoami {"name":"GITHUB_TOKEN"}`, "whoami failed: secret \"GITHUB_TOKEN\": secret not granted"},
		{"/call whoami {", "not valid JSON"},
		{"hello there", "echo: hello there"},
		{"/help", "/call NAME {json}"},
	} {
		reply, err := alice.Handle(ctx, abi.HandleRequest{Text: c.in, SessionKey: "agent:alice:test:dm:1"})
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if !strings.Contains(reply.Text, c.want) {
			t.Errorf("%q: reply %q, want it to contain %q", c.in, reply.Text, c.want)
		}
	}
	// The handler itself read nothing; the tool read under its own grants.
	for _, r := range audit.Records() {
		if r.Module == "handler" {
			t.Errorf("the default handler read a secret: %+v", r)
		}
	}
}

// TestInterruptStopsAHandlerInsideATool: cancelling a handler's context
// stops the tool it is running, and the profile serves the next message.
func TestInterruptStopsAHandlerInsideATool(t *testing.T) {
	h := newHostile(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	spinning := h.log.Seen("spin: entering the loop")
	go func() {
		_, err := h.mallory.Handle(ctx, abi.HandleRequest{Text: "/call spin"})
		done <- err
	}()
	<-spinning
	start := time.Now()
	cancel()
	err := <-done
	wantKind(t, err, runtime.KindInterrupted)
	t.Logf("stopped %s after cancel", time.Since(start))
	reply, err := h.mallory.Handle(context.Background(), abi.HandleRequest{Text: "ping"})
	if err != nil || reply.Text != "echo: ping" {
		t.Fatalf("next message: %q %v", reply.Text, err)
	}
}

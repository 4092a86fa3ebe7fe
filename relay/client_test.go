package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/relaytest"
)

// testCtx bounds a test's waits: a hang fails the test instead of the run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a Handler that records what it gets.
type recorder struct {
	inbound    chan relay.Inbound
	interrupts chan [2]string
}

func newRecorder() *recorder {
	return &recorder{inbound: make(chan relay.Inbound, 64), interrupts: make(chan [2]string, 64)}
}

func (r *recorder) Inbound(_ context.Context, in relay.Inbound) { r.inbound <- in }
func (r *recorder) InterruptInbound(k, c string)                { r.interrupts <- [2]string{k, c} }

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs a client against a test connector.
type harness struct {
	t      *testing.T
	ctx    context.Context
	conn   *relaytest.Connector
	client *relay.Client
	rec    *recorder
	states chan relay.State
	runErr chan error
	stop   context.CancelFunc
	logs   *syncBuffer
	cfg    relay.Config
}

// start runs a client against a new connector; setup prepares the
// connector before the first dial.
func start(t *testing.T, copts relaytest.Options, cfgFn func(*relay.Config), optFn func(*relay.ClientOptions), setup ...func(*relaytest.Connector)) *harness {
	t.Helper()
	h := &harness{t: t, ctx: testCtx(t), rec: newRecorder(), states: make(chan relay.State, 256), runErr: make(chan error, 1), logs: &syncBuffer{}}
	h.conn = relaytest.New(t, copts)
	h.cfg = relay.Config{URL: h.conn.URL(), Identities: []relay.Identity{{Platform: "discord", BotID: "bot-d"}}}
	if cfgFn != nil {
		cfgFn(&h.cfg)
	}
	opts := relay.ClientOptions{
		Handler:          h.rec,
		Logger:           slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HandshakeTimeout: 5 * time.Second,
		OutboundTimeout:  5 * time.Second,
		DrainTimeout:     time.Second,
		MinBackoff:       time.Millisecond,
		MaxBackoff:       5 * time.Millisecond,
		OnState: func(s relay.State) {
			select {
			case h.states <- s:
			default:
			}
		},
	}
	if optFn != nil {
		optFn(&opts)
	}
	for _, f := range setup {
		f(h.conn)
	}
	h.client = relay.NewClient(h.cfg, opts)
	runCtx, stop := context.WithCancel(context.Background())
	h.stop = stop
	go func() { h.runErr <- h.client.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-h.runErr:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

// waitState waits for state s, skipping others.
func (h *harness) waitState(s relay.State) {
	h.t.Helper()
	for {
		select {
		case got := <-h.states:
			if got == s {
				return
			}
		case <-h.ctx.Done():
			h.t.Fatalf("waiting for state %v: %v", s, h.ctx.Err())
		}
	}
}

// handshake waits for the next connection and its handshake.
func (h *harness) handshake() *relaytest.Conn {
	h.t.Helper()
	cn, err := h.conn.WaitConnected(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	h.waitState(relay.StateHandshaken)
	return cn
}

func (h *harness) runDone() error {
	h.t.Helper()
	select {
	case err := <-h.runErr:
		h.runErr <- err // keep it for the cleanup
		return err
	case <-h.ctx.Done():
		h.t.Fatalf("Run did not return: %v", h.ctx.Err())
	}
	return nil
}

func (h *harness) stillRunning() {
	h.t.Helper()
	select {
	case err := <-h.runErr:
		h.t.Fatalf("Run returned %v; want it still running", err)
	default:
	}
}

func TestClientHelloPerIdentityAndHandshake(t *testing.T) {
	h := start(t, relaytest.Options{}, func(c *relay.Config) {
		c.Identities = []relay.Identity{{Platform: "discord", BotID: "bot-d"}, {Platform: "telegram", BotID: "bot-t"}}
	}, nil)
	cn := h.handshake()
	for _, want := range []wire.HelloFrame{{Platform: "discord", BotID: "bot-d"}, {Platform: "telegram", BotID: "bot-t"}} {
		got, err := cn.WaitHello(h.ctx)
		if err != nil || got != want {
			t.Fatalf("hello %+v, %v; want %+v", got, err, want)
		}
	}
	d, ok := h.client.Descriptor()
	if !ok || d.Platform != "discord" || d.MaxMessageLength != 2000 {
		t.Fatalf("primary descriptor %+v %v", d, ok)
	}
	// The second descriptor arrives after the handshake; a send round
	// trip orders us after it.
	if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpTyping, ChatID: "c"}, "discord", ""); err != nil {
		t.Fatal(err)
	}
	if d, ok := h.client.DescriptorFor("telegram"); !ok || d.Platform != "telegram" {
		t.Fatalf("telegram descriptor %+v %v", d, ok)
	}
	if d, _ := h.client.Descriptor(); d.Platform != "discord" {
		t.Fatalf("primary replaced by %q", d.Platform)
	}
	for op, want := range map[string]bool{"send": true, "edit": true, "typing": true, "react": true, "send_media": false, "follow_up": false} {
		if got := h.client.SupportsOp(op); got != want {
			t.Errorf("SupportsOp(%q) = %v, want %v", op, got, want)
		}
	}
	if !h.client.Connected() {
		t.Fatal("not connected")
	}
}

func TestClientSendCorrelation(t *testing.T) {
	h := start(t, relaytest.Options{}, func(c *relay.Config) {
		c.Identities = []relay.Identity{{Platform: "discord", BotID: "bot-d"}, {Platform: "telegram", BotID: "bot-t"}}
	}, nil)
	h.handshake()
	const n = 20
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: fmt.Sprint("c", i), Content: "hi"}, "telegram", "")
			if err != nil || !res.Success || res.MessageID == "" {
				t.Errorf("send %d: %+v %v", i, res, err)
			}
			ids <- res.MessageID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("message id %s answered twice", id)
		}
		seen[id] = true
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	reqs := map[string]bool{}
	for i := 0; i < n; i++ {
		f, err := h.conn.Outbound(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !hex32.MatchString(f.RequestID) || reqs[f.RequestID] {
			t.Fatalf("request id %q (dup %v)", f.RequestID, reqs[f.RequestID])
		}
		reqs[f.RequestID] = true
		if f.Platform != "telegram" || f.BotID != "bot-t" || f.Action.Op != wire.OpSend {
			t.Fatalf("frame %+v", f)
		}
	}
}

func TestClientSendAmbiguousTimeout(t *testing.T) {
	h := start(t, relaytest.Options{Answer: relaytest.AnswerNone}, nil, func(o *relay.ClientOptions) {
		o.OutboundTimeout = 50 * time.Millisecond
	})
	h.handshake()
	_, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
	if !errors.Is(err, relay.ErrAmbiguous) || errors.Is(err, relay.ErrDisconnected) {
		t.Fatalf("err = %v; want ambiguous", err)
	}
	if _, err := h.conn.Outbound(h.ctx); err != nil {
		t.Fatal("the frame was not written:", err)
	}
}

func TestClientEgressDeclinedAndFailure(t *testing.T) {
	h := start(t, relaytest.Options{Answer: relaytest.AnswerEgressDeclined}, nil, nil)
	h.handshake()
	res, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
	if !errors.Is(err, relay.ErrEgressDeclined) || res.Code != "egress_declined" || res.Success {
		t.Fatalf("res %+v err %v; want egress declined", res, err)
	}
	h.conn.SetAnswer(relaytest.AnswerFail)
	res, err = h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
	if err != nil || res.Success || res.Error != "send failed" {
		t.Fatalf("res %+v err %v; want a failed result and no error", res, err)
	}
}

func TestClientMetadataReattach(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	h.handshake()
	ev := relay.Event{Text: "hello", MessageType: "text", MessageID: "m1", Source: relay.Source{
		Platform: "discord", ChatID: "c1", ChatType: "group", UserID: "u1", ScopeID: "g1", Profile: "p1"}}
	if err := h.conn.Push(h.ctx, relay.Inbound{Event: ev}); err != nil {
		t.Fatal(err)
	}
	select {
	case in := <-h.rec.inbound:
		if in.Event.Source.ChatID != "c1" || in.BufferID != "" {
			t.Fatalf("inbound %+v", in)
		}
	case <-h.ctx.Done():
		t.Fatal(h.ctx.Err())
	}
	caller := map[string]any{"profile": "explicit"}
	if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c1", Content: "r", Metadata: caller}, "discord", ""); err != nil {
		t.Fatal(err)
	}
	f, err := h.conn.Outbound(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"scope_id": "g1", "user_id": "u1", "profile": "explicit"}
	if fmt.Sprint(f.Action.Metadata) != fmt.Sprint(want) {
		t.Fatalf("metadata %v, want %v", f.Action.Metadata, want)
	}
	if len(caller) != 1 {
		t.Fatalf("the caller's map was modified: %v", caller)
	}
	// Another chat, and the same chat id on another platform: nothing.
	for _, p := range []string{"discord", "telegram"} {
		chat := map[string]string{"discord": "c2", "telegram": "c1"}[p]
		if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: chat, Content: "r"}, p, ""); err != nil {
			t.Fatal(err)
		}
		if f, _ := h.conn.Outbound(h.ctx); len(f.Action.Metadata) != 0 {
			t.Fatalf("%s/%s: metadata %v, want none", p, chat, f.Action.Metadata)
		}
	}
	// No platform: the chat's last inbound on any platform.
	if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpEdit, ChatID: "c1", MessageID: "m-1", Content: "r"}, "", ""); err != nil {
		t.Fatal(err)
	}
	if f, _ := h.conn.Outbound(h.ctx); f.Action.Metadata["profile"] != "p1" {
		t.Fatalf("metadata %v, want profile p1", f.Action.Metadata)
	}
}

func TestClientPendingSettledOnDisconnect(t *testing.T) {
	h := start(t, relaytest.Options{Answer: relaytest.AnswerNone}, nil, func(o *relay.ClientOptions) {
		o.OutboundTimeout = time.Hour
	})
	h.handshake()
	errc := make(chan error, 1)
	go func() {
		_, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
		errc <- err
	}()
	if _, err := h.conn.Outbound(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.conn.CloseAll(websocket.StatusInternalError, "boom")
	select {
	case err := <-errc:
		if !errors.Is(err, relay.ErrDisconnected) || !errors.Is(err, relay.ErrAmbiguous) {
			t.Fatalf("err = %v; want disconnected and ambiguous", err)
		}
	case <-h.ctx.Done():
		t.Fatal("the pending send hung")
	}
	h.handshake() // and it reconnects
}

func TestClientInboundAckInterrupts(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	h.handshake()
	ev := relay.Event{Text: "buffered", Source: relay.Source{Platform: "discord", ChatID: "c9"}}
	if err := h.conn.Push(h.ctx, relay.Inbound{Event: ev, BufferID: "buf-1"}); err != nil {
		t.Fatal(err)
	}
	in := <-h.rec.inbound
	if in.BufferID != "buf-1" || in.Event.Text != "buffered" {
		t.Fatalf("inbound %+v", in)
	}
	if err := h.client.Ack(h.ctx, in.BufferID); err != nil {
		t.Fatal(err)
	}
	if id, err := h.conn.InboundAck(h.ctx); err != nil || id != "buf-1" {
		t.Fatalf("ack %q %v", id, err)
	}
	if err := h.conn.PushInterrupt(h.ctx, "agent:main:discord:dm:c9", "c9"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-h.rec.interrupts:
		if got != [2]string{"agent:main:discord:dm:c9", "c9"} {
			t.Fatalf("interrupt %v", got)
		}
	case <-h.ctx.Done():
		t.Fatal(h.ctx.Err())
	}
	if err := h.client.Interrupt(h.ctx, "agent:main:discord:dm:c9", "/stop"); err != nil {
		t.Fatal(err)
	}
	if f, err := h.conn.Interrupt(h.ctx); err != nil || f.SessionKey != "agent:main:discord:dm:c9" || f.Reason != "/stop" {
		t.Fatalf("interrupt frame %+v %v", f, err)
	}
}

func TestClientWireTolerance(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	cn := h.handshake()
	// Garbage, a blank line, an unknown type, a passthrough to ack, and a
	// frame split across two messages.
	msgs := []string{
		"not json\n\n   \n{\"type\":\"mystery\",\"x\":1}\n{\"no\":\"type\"}\n",
		"{\"type\":\"passthrough_forward\",\"bufferId\":\"pt-1\",\"forward\":{}}\n{\"type\":\"interrupt_inbound\",\"session_key\":\"k1\",",
		"\"chat_id\":42}\n",
	}
	for _, m := range msgs {
		if err := cn.SendRaw(h.ctx, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if got := <-h.rec.interrupts; got != [2]string{"k1", "42"} {
		t.Fatalf("interrupt %v", got)
	}
	if id, err := h.conn.InboundAck(h.ctx); err != nil || id != "pt-1" {
		t.Fatalf("passthrough ack %q %v", id, err)
	}
	if !strings.Contains(h.logs.String(), "malformed frame skipped") {
		t.Fatalf("no log line for the malformed frame:\n%s", h.logs)
	}
	if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "still up"}, "discord", ""); err != nil {
		t.Fatal(err)
	}
}

func TestClientGoIdle(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	h.handshake()
	if err := h.client.GoIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.conn.GoingIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestClientGoIdleSettledOnDisconnect(t *testing.T) {
	h := start(t, relaytest.Options{NoIdleAck: true}, nil, nil)
	h.handshake()
	// Unacknowledged, GoIdle returns when its context ends. The context
	// ends once the connector has the frame: a short deadline could expire
	// before the frame was written, and there would be no frame to see.
	first, cancel := context.WithCancel(h.ctx)
	defer cancel()
	firstErr := make(chan error, 1)
	go func() { firstErr <- h.client.GoIdle(first) }()
	if err := h.conn.GoingIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-firstErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want the ctx's cancellation", err)
		}
	case <-h.ctx.Done():
		t.Fatal("GoIdle did not return when its context was cancelled")
	}
	errc := make(chan error, 1)
	go func() { errc <- h.client.GoIdle(h.ctx) }()
	if err := h.conn.GoingIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.conn.CloseAll(websocket.StatusGoingAway, "bye")
	if err := <-errc; !errors.Is(err, relay.ErrDisconnected) {
		t.Fatalf("err = %v; want disconnected", err)
	}
}

func TestClientReconnects(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	h.handshake()
	h.conn.CloseAll(websocket.StatusInternalError, "crash")
	h.waitState(relay.StateDisconnected)
	cn := h.handshake()
	if hs := cn.Hellos(); len(hs) != 1 || hs[0].Platform != "discord" {
		t.Fatalf("re-hello %+v", hs)
	}
	h.conn.Restart()
	h.waitState(relay.StateDisconnected)
	h.handshake()
	if _, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "back"}, "discord", ""); err != nil {
		t.Fatal(err)
	}
	if d := h.conn.Dials(); d < 3 {
		t.Fatalf("dials %d", d)
	}
	h.stillRunning()
}

func TestClientNotConnected(t *testing.T) {
	c := relay.NewClient(relay.Config{URL: "http://127.0.0.1:1"}, relay.ClientOptions{})
	if _, err := c.Send(context.Background(), wire.Action{Op: wire.OpSend, ChatID: "c"}, "", ""); !errors.Is(err, relay.ErrNotConnected) {
		t.Fatalf("send: %v", err)
	}
	if err := c.Ack(context.Background(), "b"); !errors.Is(err, relay.ErrNotConnected) {
		t.Fatalf("ack: %v", err)
	}
	if err := c.GoIdle(context.Background()); !errors.Is(err, relay.ErrNotConnected) {
		t.Fatalf("going idle: %v", err)
	}
	if _, ok := c.Descriptor(); ok {
		t.Fatal("descriptor before any handshake")
	}
	if err := relay.NewClient(relay.Config{}, relay.ClientOptions{}).Run(context.Background()); err == nil {
		t.Fatal("Run without URL succeeded")
	}
}

// authed configures an authenticated client whose clock advances a second
// per reading, so that every dial mints a different token.
func authed(secret string) (func(*relay.Config), func(*relay.ClientOptions)) {
	var tick atomic.Int64
	base := time.Now()
	return func(c *relay.Config) {
			c.GatewayID = "gw-test"
			c.Secret = relay.Secret(secret)
		}, func(o *relay.ClientOptions) {
			o.Now = func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
		}
}

func TestClient4401BeforeHandshakeRetries(t *testing.T) {
	cfgFn, optFn := authed("secret-1")
	// Three 4401s before any handshake: not provisioned yet, keep trying.
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"secret-1"}}, cfgFn, optFn, func(c *relaytest.Connector) {
		c.Reject(3, wire.CloseUnauthorized, "unauthorized")
	})
	cn := h.handshake()
	if cn.GatewayID != "gw-test" {
		t.Fatalf("verified gateway id %q", cn.GatewayID)
	}
	if d := h.conn.Dials(); d != 4 {
		t.Fatalf("dials = %d, want 4", d)
	}
	h.stillRunning()
}

func TestClientUnauthenticatedUntilProvisioned(t *testing.T) {
	// A gateway with no credentials dials without Authorization; a
	// connector that requires auth closes 4401 and the client keeps
	// retrying with backoff.
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"s"}}, func(c *relay.Config) { c.GatewayID = "gw-x" }, nil)
	for i := 0; i < 3; i++ {
		cn, err := h.conn.WaitAccepted(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		<-cn.Done()
	}
	if toks := h.conn.Tokens(); len(toks) != 0 {
		t.Fatalf("tokens sent without a secret: %d", len(toks))
	}
	h.stillRunning()
}

func TestClient4401AfterHandshakeRevokes(t *testing.T) {
	cfgFn, optFn := authed("secret-1")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"secret-1"}}, cfgFn, func(o *relay.ClientOptions) {
		optFn(o)
		o.MinBackoff, o.MaxBackoff = time.Hour, time.Hour // any backoff would hang the test
	})
	h.handshake()
	h.conn.Reject(1, wire.CloseUnauthorized, "unauthorized") // the fresh-token dial
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	err := h.runDone()
	if !errors.Is(err, relay.ErrRevoked) || !strings.Contains(err.Error(), "relay disabled") {
		t.Fatalf("Run = %v; want revoked", err)
	}
	h.waitState(relay.StateDisabled)
	toks := h.conn.Tokens()
	if h.conn.Dials() != 2 || len(toks) != 2 || toks[0] == toks[1] {
		t.Fatalf("dials %d, tokens %d (distinct %v); want one immediate re-dial with a fresh token", h.conn.Dials(), len(toks), len(toks) == 2 && toks[0] != toks[1])
	}
}

func TestClient4401OnFreshConnectionAfterDescriptorRevokes(t *testing.T) {
	cfgFn, optFn := authed("secret-1")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"secret-1"}}, cfgFn, func(o *relay.ClientOptions) {
		optFn(o)
		o.MinBackoff, o.MaxBackoff = time.Hour, time.Hour
	})
	h.handshake()
	h.conn.RejectAfterHandshake(1, wire.CloseUnauthorized, "unauthorized")
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	h.handshake() // the fresh-token connection handshakes, then is refused
	if err := h.runDone(); !errors.Is(err, relay.ErrRevoked) {
		t.Fatalf("Run = %v; want revoked", err)
	}
}

func TestClient4401AfterHandshakeFreshDialRecovers(t *testing.T) {
	cfgFn, optFn := authed("secret-1")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"secret-1"}}, cfgFn, optFn)
	h.handshake()
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	h.handshake() // the immediate fresh-token re-dial works
	// The fresh connection dies of something else: a normal reconnect.
	h.conn.CloseAll(websocket.StatusInternalError, "crash")
	h.handshake()
	// A later 4401 is provisional again, not a revocation.
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	h.handshake()
	h.stillRunning()
	if d := h.conn.Dials(); d != 4 {
		t.Fatalf("dials = %d, want 4", d)
	}
}

func TestClient4401ExpiredNeverRevokes(t *testing.T) {
	cfgFn, optFn := authed("secret-1")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"secret-1"}}, cfgFn, optFn)
	h.handshake()
	h.conn.Reject(2, wire.CloseUnauthorized, wire.CloseReasonExpired)
	h.conn.CloseAll(wire.CloseUnauthorized, wire.CloseReasonExpired)
	h.handshake()
	if d := h.conn.Dials(); d != 4 {
		t.Fatalf("dials = %d, want 4", d)
	}
	h.stillRunning()
}

func TestClientRotatedSecretAccepted(t *testing.T) {
	cfgFn, optFn := authed("new-secret")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{"old-secret", "new-secret"}}, cfgFn, optFn)
	if cn := h.handshake(); cn.GatewayID != "gw-test" {
		t.Fatalf("gateway id %q", cn.GatewayID)
	}
}

func TestClientInvalidDescriptorClosesAndBacksOff(t *testing.T) {
	d := relaytest.DefaultDescriptor("discord")
	delete(d, "len_unit")
	h := start(t, relaytest.Options{Descriptor: d}, nil, nil)
	for i := 0; i < 2; i++ {
		cn, err := h.conn.WaitConnected(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		<-cn.Done()
		code, reason := cn.CloseStatus()
		if code != websocket.StatusPolicyViolation || !strings.Contains(reason, "len_unit") {
			t.Fatalf("closed %d %q; want 1008 naming len_unit", code, reason)
		}
	}
	if _, ok := h.client.Descriptor(); ok {
		t.Fatal("an invalid descriptor was kept")
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "field=len_unit") || !strings.Contains(logs, "invalid capability descriptor") {
		t.Fatalf("logs do not name the field:\n%s", logs)
	}
	h.stillRunning()
}

func TestClientHandshakeTimeout(t *testing.T) {
	h := start(t, relaytest.Options{NoDescriptor: true}, nil, func(o *relay.ClientOptions) {
		o.HandshakeTimeout = 50 * time.Millisecond
	})
	for i := 0; i < 2; i++ {
		cn, err := h.conn.WaitConnected(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		<-cn.Done()
		if code, _ := cn.CloseStatus(); code != websocket.StatusPolicyViolation {
			t.Fatalf("closed %d; want 1008", code)
		}
	}
}

func TestClientCleanShutdown(t *testing.T) {
	h := start(t, relaytest.Options{Answer: relaytest.AnswerNone}, nil, func(o *relay.ClientOptions) {
		o.OutboundTimeout = time.Hour
		o.DrainTimeout = 50 * time.Millisecond
	})
	cn := h.handshake()
	errc := make(chan error, 1)
	go func() {
		_, err := h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
		errc <- err
	}()
	if _, err := h.conn.Outbound(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.stop()
	if err := h.runDone(); err != nil {
		t.Fatalf("Run = %v; want nil after a clean close", err)
	}
	if err := <-errc; !errors.Is(err, relay.ErrDisconnected) {
		t.Fatalf("pending send: %v", err)
	}
	<-cn.Done()
	if code, _ := cn.CloseStatus(); code != websocket.StatusNormalClosure {
		t.Fatalf("close code %d; want 1000", code)
	}
}

func TestClientLogsNoSecrets(t *testing.T) {
	const secret = "gw-secret-DO-NOT-LOG-7f3a"
	const delivery = "delivery-key-DO-NOT-LOG-91"
	const access = "access-token-DO-NOT-LOG-42"
	cfgFn, optFn := authed(secret)
	d := relaytest.DefaultDescriptor("discord")
	h := start(t, relaytest.Options{RequireAuth: true, Secrets: []string{secret}, Descriptor: d}, func(c *relay.Config) {
		cfgFn(c)
		c.DeliveryKey = delivery
		c.AccessToken = access
	}, func(o *relay.ClientOptions) {
		optFn(o)
		o.OutboundTimeout = 20 * time.Millisecond
	})
	h.handshake()
	h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
	h.conn.SetAnswer(relaytest.AnswerNone)
	h.client.Send(h.ctx, wire.Action{Op: wire.OpSend, ChatID: "c", Content: "x"}, "discord", "")
	h.conn.Reject(1, websocket.StatusInternalError, "x")
	h.conn.CloseAll(websocket.StatusInternalError, "crash")
	h.handshake()
	h.conn.Restart()
	h.handshake()
	h.conn.Reject(1, wire.CloseUnauthorized, "unauthorized")
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	if err := h.runDone(); !errors.Is(err, relay.ErrRevoked) {
		t.Fatalf("Run = %v", err)
	}
	logs := h.logs.String() + fmt.Sprint(h.cfg) + fmt.Sprintf("%+v %#v", h.cfg, h.cfg)
	b, _ := json.Marshal(h.cfg)
	logs += string(b)
	toks := h.conn.Tokens()
	if len(toks) < 4 {
		t.Fatalf("only %d tokens", len(toks))
	}
	for _, s := range append([]string{secret, delivery, access, "Bearer"}, toks...) {
		if strings.Contains(logs, s) {
			t.Fatalf("%q appears in the logs:\n%s", s, logs)
		}
	}
	if os.Getenv("DUMP_LOGS") != "" {
		t.Log(h.logs.String())
	}
	if !strings.Contains(logs, "relay disabled") && !strings.Contains(logs, "revoked") {
		t.Fatalf("the logs do not report the revocation:\n%s", logs)
	}
}

// TestClientBoundsDescriptorPlatforms: descriptors for platforms the
// gateway does not front are kept up to a bound, past which they are
// ignored with a warning; the descriptor of its own platform is still
// taken after that.
func TestClientBoundsDescriptorPlatforms(t *testing.T) {
	h := start(t, relaytest.Options{}, nil, nil)
	cn := h.handshake()
	send := func(d map[string]any) {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := cn.Send(h.ctx, wire.DescriptorFrame{Descriptor: raw}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		send(relaytest.DefaultDescriptor(fmt.Sprintf("made-up-%d", i)))
	}
	own := relaytest.DefaultDescriptor("discord")
	own["label"] = "after the flood"
	send(own)
	// Frames are read in order: once this inbound is handed over, every
	// descriptor before it was taken or ignored.
	if err := cn.Push(h.ctx, relay.Inbound{Event: relay.Event{Text: "x", MessageType: "text", MessageID: "m1",
		Source: relay.Source{Platform: "discord", ChatID: "c", ChatType: "dm", UserID: "u"}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.rec.inbound:
	case <-h.ctx.Done():
		t.Fatal("the inbound after the descriptors never arrived")
	}
	if n := h.client.DescriptorPlatforms(); n > 64+1 {
		t.Fatalf("%d descriptor platforms kept, want at most 65", n)
	}
	if d, ok := h.client.Descriptor(); !ok || d.Label != "after the flood" {
		t.Fatalf("own platform's descriptor after the flood: %+v, %v", d, ok)
	}
	if !strings.Contains(h.logs.String(), "past the bound of platforms kept") {
		t.Fatal("no warning for the ignored descriptors")
	}
}

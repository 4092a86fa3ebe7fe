package relay_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// The fake values of the gateway tests: none may ever reach a log line.
const (
	aliceKey    = "sk-test-alice-7f3a9c1e5b"
	bobKey      = "sk-test-bob-2d8e4f6a0c"
	malloryKey  = "sk-test-mallory-5e6f7a8b"
	relaySecret = "relay-secret-not-for-logs-81c4"
)

// gatewayProfiles: alice and bob run whoami on their own keys; mallory
// runs the hostile Go module (spin_tagged loops until stopped) with a
// timeout longer than any test's bound (startGateway's 5 minutes), so that
// only an interrupt or a drain ends it: one that does not stop the guest
// fails the test, with no clock involved.
func gatewayProfiles(t *testing.T, withMallory bool) map[string]runtimetest.Profile {
	whoami := "wasmgw:\n  modules:\n    whoami: {path: builtin:whoami, grants: [OPENAI_API_KEY]}\n"
	p := map[string]runtimetest.Profile{
		"alice": {Env: "OPENAI_API_KEY=" + aliceKey + "\n", Config: whoami},
		"bob":   {Env: "OPENAI_API_KEY=" + bobKey + "\n", Config: whoami},
	}
	if withMallory {
		p["mallory"] = runtimetest.Profile{
			Env: "OPENAI_API_KEY=" + malloryKey + "\n",
			Config: "wasmgw:\n  limits: {memory: 64MiB, timeout: 1h}\n  modules:\n    hostile:\n      path: " +
				runtimetest.Hostile(t, "go") + "\n      grants: [OPENAI_API_KEY]\n",
		}
	}
	return p
}

// gatewayHarness runs a real gateway (real fleet, real modules) against a
// test connector over loopback.
type gatewayHarness struct {
	t      *testing.T
	ctx    context.Context
	conn   *relaytest.Connector
	gw     *relay.Gateway
	logs   *runtimetest.LogWatcher
	runErr chan error
	stop   context.CancelFunc
}

type gatewaySetup struct {
	mallory bool
	// profiles are added to the home; names, when set, are the profiles
	// the fleet serves (default alice, bob and, with mallory, mallory).
	profiles map[string]runtimetest.Profile
	names    []string
	cfg      func(*relay.Config)
	opts     func(*relay.GatewayOptions)
	conn     relaytest.Options
}

func startGateway(t *testing.T, s gatewaySetup) *gatewayHarness {
	t.Helper()
	// Generous: each test binary compiles the modules once into its own
	// cache (runtimetest.Main), which a loaded 2-core machine under -race
	// takes over a minute to do.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	h := &gatewayHarness{t: t, ctx: ctx, logs: &runtimetest.LogWatcher{}, runErr: make(chan error, 1)}
	profiles := gatewayProfiles(t, s.mallory)
	for name, p := range s.profiles {
		profiles[name] = p
	}
	home := runtimetest.Home(t, profiles)
	e := runtimetest.Engine(t, h.logs, &runtime.MemoryAudit{})
	hm, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"alice", "bob"}
	if s.mallory {
		names = append(names, "mallory")
	}
	if s.names != nil {
		names = s.names
	}
	fleet, err := runtime.OpenFleet(ctx, e, hm, names, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close(context.Background()) })

	copts := s.conn
	copts.RequireAuth = true
	copts.Secrets = []string{relaySecret}
	h.conn = relaytest.New(t, copts)
	cfg := relay.Config{
		URL: h.conn.URL(), GatewayID: "gw-test", Secret: relay.Secret(relaySecret),
		Identities: []relay.Identity{{Platform: "discord", BotID: "bot-d"}},
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := relay.GatewayOptions{
		Fleet: fleet, Logger: log,
		Client: relay.ClientOptions{
			HandshakeTimeout: 10 * time.Second, OutboundTimeout: 10 * time.Second,
			MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		},
	}
	if s.opts != nil {
		s.opts(&opts)
	}
	if h.gw, err = relay.NewGateway(cfg, opts); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	h.stop = stop
	go func() { h.runErr <- h.gw.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-h.runErr:
		case <-time.After(30 * time.Second):
			t.Error("gateway Run did not return after cancel")
		}
		// Whatever happened, no secret reached a log line.
		logs := h.logs.String()
		for _, v := range []string{aliceKey, bobKey, malloryKey, relaySecret} {
			if strings.Contains(logs, v) {
				t.Errorf("a secret value reached the logs: %q", v)
			}
		}
	})
	if _, err := h.conn.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

// message is an inbound message stamped with profile, in a DM chat.
func message(profile, chat, id, text string) relay.Inbound {
	return relay.Inbound{Event: relay.Event{
		Text: text, MessageType: "text", MessageID: id,
		Source: relay.Source{Platform: "discord", ChatID: chat, ChatType: "dm", UserID: "u-" + chat, Profile: profile},
	}}
}

func (h *gatewayHarness) push(in relay.Inbound) {
	h.t.Helper()
	if err := h.conn.Push(h.ctx, in); err != nil {
		h.t.Fatal(err)
	}
}

func (h *gatewayHarness) outbound() wire.OutboundFrame {
	h.t.Helper()
	f, err := h.conn.Outbound(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return f
}

// replies collects n send actions, by the message they answer.
func (h *gatewayHarness) replies(n int) map[string]wire.Action {
	h.t.Helper()
	got := map[string]wire.Action{}
	for len(got) < n {
		f := h.outbound()
		if f.Action.Op != wire.OpSend {
			continue
		}
		if _, dup := got[f.Action.ReplyTo]; dup {
			h.t.Fatalf("two replies to %q", f.Action.ReplyTo)
		}
		got[f.Action.ReplyTo] = f.Action
	}
	return got
}

func (h *gatewayHarness) ack() string {
	h.t.Helper()
	id, err := h.conn.InboundAck(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// noMoreOutbound fails if any outbound frame is waiting.
func (h *gatewayHarness) noMoreOutbound() {
	h.t.Helper()
	if f, ok := h.conn.PendingOutbound(); ok {
		h.t.Fatalf("unexpected outbound frame: %+v", f)
	}
}

func fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// TestGatewayRoutesEachMessageToItsProfile: stamped messages reach their
// own profile's sandbox (each sees its own key), profile_routes route an
// unstamped one, and messages for an unknown, unserved or unrouted profile
// are dropped, acknowledged, and never answered by anyone.
func TestGatewayRoutesEachMessageToItsProfile(t *testing.T) {
	h := startGateway(t, gatewaySetup{cfg: func(c *relay.Config) {
		c.ProfileRoutes = []relay.ProfileRoute{
			{Name: "ops", Platform: "discord", ChatID: "ops", Profile: "bob"},
			{Name: "everyone-else", Platform: "discord", Profile: "default"},
		}
	}})

	// Dropped first: each drop is decided, logged and acknowledged before
	// the next frame is read.
	for _, c := range []struct{ profile, chat string }{
		{"mallory", "m"},   // not a profile of this gateway
		{"default", "d"},   // stamped "default", which is not served
		{"", "elsewhere"},  // unstamped: routed to "default", not served
		{"../alice", "pt"}, // not a profile name at all
	} {
		in := message(c.profile, c.chat, "drop-"+c.chat, "/call whoami {}")
		in.BufferID = "buf-drop-" + c.chat
		h.push(in)
		if got := h.ack(); got != in.BufferID {
			t.Fatalf("ack %q, want %q (the drop of %q)", got, in.BufferID, c.profile)
		}
	}
	unrouted := message("", "x", "drop-x", "hello")
	unrouted.Event.Source.Platform = "telegram"
	unrouted.BufferID = "buf-drop-x"
	h.push(unrouted)
	if got := h.ack(); got != "buf-drop-x" {
		t.Fatalf("ack %q, want buf-drop-x", got)
	}

	// alice and bob at once, and an unstamped message on bob's route.
	h.push(message("alice", "a", "m-alice", "/call whoami {}"))
	h.push(message("bob", "b", "m-bob", "/call whoami {}"))
	h.push(message("", "ops", "m-ops", "/call whoami {}"))
	got := h.replies(3)
	for id, want := range map[string]struct{ profile, key, chat string }{
		"m-alice": {"alice", aliceKey, "a"},
		"m-bob":   {"bob", bobKey, "b"},
		"m-ops":   {"bob", bobKey, "ops"},
	} {
		a := got[id]
		wantText := fmt.Sprintf(`{"profile":%q,"key_sha256":%q}`, want.profile, fingerprint(want.key))
		if a.Content != wantText {
			t.Errorf("reply to %s: %q, want %q", id, a.Content, wantText)
		}
		// The profile metadata is the connector's stamp, never the
		// gateway's routing: the unstamped m-ops carries none.
		wantMeta := any(want.profile)
		if id == "m-ops" {
			wantMeta = nil
		}
		if a.ChatID != want.chat || a.Metadata[wire.MetaProfile] != wantMeta || a.Metadata[wire.MetaUserID] != "u-"+want.chat {
			t.Errorf("reply to %s: chat %q metadata %v", id, a.ChatID, a.Metadata)
		}
	}
	h.noMoreOutbound()
	logs := h.logs.String()
	for _, p := range []string{"mallory", "default", "../alice"} {
		if !strings.Contains(logs, fmt.Sprintf("relay: inbound dropped\" profile=%s", p)) &&
			!strings.Contains(logs, fmt.Sprintf("relay: inbound dropped\" profile=%q", p)) {
			t.Errorf("no log line for the drop of %q", p)
		}
	}
}

// TestGatewayAcksBufferedDeliveryAfterReply: a buffered delivery is
// acknowledged only once its reply was handed off; a reply the connector
// refused leaves it unacknowledged (the connector delivers it again).
func TestGatewayAcksBufferedDeliveryAfterReply(t *testing.T) {
	h := startGateway(t, gatewaySetup{})
	h.conn.SetAnswer(relaytest.AnswerFail)
	refused := message("alice", "a", "m1", "first")
	refused.BufferID = "buf-1"
	h.push(refused)
	if f := h.outbound(); f.Action.Content != "echo: first" {
		t.Fatalf("first reply %q", f.Action.Content)
	}
	// Same session, so this turn starts only after the first one is over.
	h.conn.SetAnswer(relaytest.AnswerSuccess)
	ok := message("alice", "a", "m2", "second")
	ok.BufferID = "buf-2"
	h.push(ok)
	if got := h.ack(); got != "buf-2" {
		t.Fatalf("acked %q; want only buf-2 (buf-1's reply was refused)", got)
	}
	// The connector records frames in order: the reply came before its ack.
	if f, ok := h.conn.PendingOutbound(); !ok || f.Action.Content != "echo: second" {
		t.Fatalf("the reply did not come before its ack: %+v", f)
	}
}

// TestGatewaySplitsLongReplies: a reply longer than the descriptor's
// max_message_length goes out in parts, the first replying to the message.
func TestGatewaySplitsLongReplies(t *testing.T) {
	d := relaytest.DefaultDescriptor("discord")
	d["max_message_length"] = 40
	h := startGateway(t, gatewaySetup{conn: relaytest.Options{Descriptor: d}})
	text := strings.Repeat("lorem ipsum ", 10)
	h.push(message("alice", "a", "m-long", text))
	var parts []string
	for len(strings.Join(parts, "")) < len("echo: "+strings.TrimSpace(text))-10 {
		f := h.outbound()
		if n := len([]rune(f.Action.Content)); n > 40 {
			t.Fatalf("part of %d chars > 40", n)
		}
		if (len(parts) == 0) != (f.Action.ReplyTo == "m-long") {
			t.Fatalf("part %d reply_to %q", len(parts), f.Action.ReplyTo)
		}
		parts = append(parts, f.Action.Content)
	}
	if len(parts) < 2 {
		t.Fatalf("one part: %q", parts)
	}
}

// TestGatewayInterruptStopsOnlyThatSession: interrupt_inbound stops the
// guest running in that session (its reply says so, and the session's
// queued message runs next), while a sibling session of the same profile
// keeps running and another profile keeps answering.
func TestGatewayInterruptStopsOnlyThatSession(t *testing.T) {
	h := startGateway(t, gatewaySetup{mallory: true})
	spinA := h.logs.Seen("spin: entering the loop A")
	spinB := h.logs.Seen("spin: entering the loop B")
	a := message("mallory", "A", "a1", `/call spin_tagged {"tag":"A"}`)
	h.push(a)
	h.push(message("mallory", "A", "a2", "queued behind the loop"))
	h.push(message("mallory", "B", "b1", `/call spin_tagged {"tag":"B"}`))
	for _, c := range []<-chan struct{}{spinA, spinB} {
		select {
		case <-c:
		case <-h.ctx.Done():
			t.Fatal("the guests never entered their loops")
		}
	}

	start := time.Now()
	if err := h.conn.PushInterrupt(h.ctx, relay.SessionKey(a.Event), "A"); err != nil {
		t.Fatal(err)
	}
	// A broken interrupt leaves the guest in its loop past the test's
	// bound (its timeout is longer): no reply, and h.outbound fails. The
	// latency is reported, not asserted: the target (100 ms) is a
	// benchmark's business, and a loaded machine can exceed any bound.
	f := h.outbound()
	t.Logf("interrupt to reply: %s", time.Since(start))
	if f.Action.ReplyTo != "a1" || f.Action.Content != relay.ReplyInterrupted {
		t.Fatalf("after the interrupt: %+v", f.Action)
	}
	if f := h.outbound(); f.Action.ReplyTo != "a2" || f.Action.Content != "echo: queued behind the loop" {
		t.Fatalf("the queued message: %+v", f.Action)
	}
	// B is still in its loop; alice still answers.
	h.push(message("alice", "z", "z1", "ping"))
	if f := h.outbound(); f.Action.ReplyTo != "z1" {
		t.Fatalf("while B spins, got %+v; want alice's reply", f.Action)
	}
	h.noMoreOutbound()
	b := message("mallory", "B", "", "")
	if err := h.conn.PushInterrupt(h.ctx, relay.SessionKey(b.Event), "B"); err != nil {
		t.Fatal(err)
	}
	if f := h.outbound(); f.Action.ReplyTo != "b1" || f.Action.Content != relay.ReplyInterrupted {
		t.Fatalf("B after its interrupt: %+v", f.Action)
	}
}

// TestGatewayDrainsOnShutdown: cancelling Run sends going_idle first, lets
// the running turn go until the drain bound, interrupts it, hands its reply
// off and acknowledges it, and only then closes.
func TestGatewayDrainsOnShutdown(t *testing.T) {
	h := startGateway(t, gatewaySetup{mallory: true, opts: func(o *relay.GatewayOptions) {
		o.DrainTimeout = 200 * time.Millisecond
	}})
	spinning := h.logs.Seen("spin: entering the loop D")
	in := message("mallory", "D", "d1", `/call spin_tagged {"tag":"D"}`)
	in.BufferID = "buf-d1"
	h.push(in)
	select {
	case <-spinning:
	case <-h.ctx.Done():
		t.Fatal("the guest never entered its loop")
	}
	h.stop()
	if err := h.conn.GoingIdle(h.ctx); err != nil {
		t.Fatal(err)
	}
	f := h.outbound()
	if f.Action.ReplyTo != "d1" || f.Action.Content != relay.ReplyInterrupted {
		t.Fatalf("reply during the drain: %+v", f.Action)
	}
	if got := h.ack(); got != "buf-d1" {
		t.Fatalf("ack %q", got)
	}
	select {
	case err := <-h.runErr:
		h.runErr <- err
		if err != nil {
			t.Fatalf("Run after a drain: %v", err)
		}
	case <-h.ctx.Done():
		t.Fatal("Run did not return after the drain")
	}
	if !strings.Contains(h.logs.String(), "relay: closed") {
		t.Error("no closing log line")
	}
}

// TestGatewayReconnectsAndStopsWhenRevoked: after a connector restart the
// gateway dials again and answers; a 4401 after a handshake, then again on
// the fresh-token dial, is terminal and Run returns ErrRevoked.
func TestGatewayReconnectsAndStopsWhenRevoked(t *testing.T) {
	h := startGateway(t, gatewaySetup{opts: func(o *relay.GatewayOptions) {
		now := time.Now()
		var n atomic.Int64
		// Every token differs from the previous one (a second per reading).
		o.Client.Now = func() time.Time { return now.Add(time.Duration(n.Add(1)) * time.Second) }
	}})
	h.conn.Restart()
	if _, err := h.conn.WaitConnected(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.push(message("bob", "b", "after-restart", "still there?"))
	if f := h.outbound(); f.Action.Content != "echo: still there?" {
		t.Fatalf("after restart: %+v", f.Action)
	}

	h.conn.Reject(1, wire.CloseUnauthorized, "unauthorized")
	h.conn.CloseAll(wire.CloseUnauthorized, "unauthorized")
	select {
	case err := <-h.runErr:
		h.runErr <- err
		if !errors.Is(err, relay.ErrRevoked) {
			t.Fatalf("Run = %v, want ErrRevoked", err)
		}
	case <-h.ctx.Done():
		t.Fatal("Run did not stop after the revocation")
	}
}

// TestGatewayForgetsAliasesOfRetiredSessions: an event the connector did
// not stamp is keyed by the connector without the profile the gateway
// routed it to, so the gateway maps the connector's key to its own for
// interrupts; the mapping lives as long as the session, not forever (one
// entry per chat ever seen would grow a months-long gateway without bound).
func TestGatewayForgetsAliasesOfRetiredSessions(t *testing.T) {
	h := startGateway(t, gatewaySetup{cfg: func(c *relay.Config) { c.DefaultProfile = "alice" }})
	const chats = 5
	for i := range chats {
		h.push(message("", fmt.Sprintf("c%d", i), fmt.Sprintf("m%d", i), "ping"))
	}
	if got := h.replies(chats); len(got) != chats {
		t.Fatalf("%d replies, want %d", len(got), chats)
	}
	// Once Run returns every turn has finished and every session retired.
	h.stop()
	err := <-h.runErr
	h.runErr <- err // for the harness's cleanup
	if n := h.gw.Aliases(); n != 0 {
		t.Fatalf("%d session aliases kept after every session retired, want 0", n)
	}
}

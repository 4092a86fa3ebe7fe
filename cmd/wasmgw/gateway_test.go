package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// gatewaySecret is the relay secret of the gateway tests: it must never
// be printed or logged.
const gatewaySecret = "relay-secret-cli-test-5b7e90d2"

func TestGatewayNeedsAURL(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "", nil, "gateway", "--home", home, cacheFlag())
	if r.code != 2 || !strings.Contains(r.stderr, "GATEWAY_RELAY_URL") {
		t.Fatalf("exit %d stderr %q; want 2 and a message naming GATEWAY_RELAY_URL", r.code, r.stderr)
	}
}

func TestGatewayEnroll(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := relaytest.New(t, relaytest.Options{})
	home := t.TempDir()
	r := run(t, "", []string{"GATEWAY_RELAY_URL=" + conn.URL(), "GATEWAY_RELAY_ACCESS_TOKEN=fake-access"},
		"gateway", "enroll", "--home", home, "--token", "enroll-token-4c1d")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	req, err := conn.Request(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/relay/enroll" || req.Authorization != "Bearer fake-access" || req.Body["enrollmentToken"] != "enroll-token-4c1d" {
		t.Fatalf("request %s, authorization %q, body %v", req.Path, req.Authorization, req.Body)
	}
	path := filepath.Join(home, ".env")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "GATEWAY_RELAY_SECRET=enrolled-secret\n") {
		t.Fatalf(".env does not hold the secret:\n%s", data)
	}
	if !strings.Contains(r.stdout, "Enrolled gateway") {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, v := range []string{"enrolled-secret", "enrolled-dk", "fake-access", "enroll-token-4c1d"} {
		if strings.Contains(r.stdout+r.stderr, v) {
			t.Errorf("%q printed", v)
		}
	}
}

// startGatewayCLI runs "wasmgw gateway" on the sample home against a test
// connector that requires its token, and waits for its connection.
func startGatewayCLI(t *testing.T, ctx context.Context) (*proc, *relaytest.Connector, string) {
	t.Helper()
	conn := relaytest.New(t, relaytest.Options{RequireAuth: true, Secrets: []string{gatewaySecret}})
	home := runtimetest.SampleHome(t)
	p := start(t, []string{
		relay.EnvURL + "=" + conn.URL(), relay.EnvID + "=gw-cli-test", relay.EnvSecret + "=" + gatewaySecret,
	}, "gateway", "--home", home, cacheFlag())
	select {
	case <-p.done:
		t.Fatalf("gateway exited %d\nstderr:\n%s", p.code, p.stderr)
	default:
	}
	cn, err := conn.WaitConnected(ctx)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	if cn.GatewayID != "gw-cli-test" {
		t.Fatalf("token verified for %q", cn.GatewayID)
	}
	return p, conn, home
}

// inboundFor is a buffered DM to profile in its own chat.
// Contract values the tests use (package relay keeps its wire protocol
// internal): the send op and the close code of a rejected credential.
const (
	opSend            = "send"
	closeUnauthorized = websocket.StatusCode(4401)
)

// sentReply is what a test keeps of a send action the gateway wrote.
type sentReply struct {
	Content, ChatID string
	Metadata        map[string]any
}

func inboundFor(profile, id, text string) relay.Inbound {
	return relay.Inbound{BufferID: "buf-" + id, Event: relay.Event{
		Text: text, MessageType: "text", MessageID: id,
		Source: relay.Source{Platform: "discord", ChatID: "chat-" + profile, ChatType: "dm", UserID: "u-" + profile, Profile: profile},
	}}
}

// TestGatewayServesEachProfileAndDrainsOnSIGTERM: the real command serves
// alice and bob (the home's gateway.profiles) each with its own key, drops
// a message for an unknown profile (acknowledged, never answered), and on
// SIGTERM sends going_idle and exits 0.
func TestGatewayServesEachProfileAndDrainsOnSIGTERM(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, conn, home := startGatewayCLI(t, ctx)
	for _, in := range []relay.Inbound{
		inboundFor("alice", "a1", "/call whoami {}"),
		inboundFor("bob", "b1", "/call whoami {}"),
		inboundFor("mallory", "m1", "/call whoami {}"),
	} {
		if err := conn.Push(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	replies := map[string]sentReply{}
	for len(replies) < 2 {
		f, err := conn.Outbound(ctx)
		if err != nil {
			t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
		}
		if f.Action.Op == opSend {
			replies[f.Action.ReplyTo] = sentReply{Content: f.Action.Content, ChatID: f.Action.ChatID, Metadata: f.Action.Metadata}
		}
	}
	for id, key := range map[string]string{"a1": "sk-test-alice-7f3a9c1e5b", "b1": "sk-test-bob-2d8e4f6a0c"} {
		profile := map[string]string{"a1": "alice", "b1": "bob"}[id]
		want := `{"profile":"` + profile + `","key_sha256":"` + sha(key) + `"}`
		if a := replies[id]; a.Content != want || a.ChatID != "chat-"+profile || a.Metadata["profile"] != profile {
			t.Errorf("reply to %s: %+v; want %s in chat-%s", id, a, want, profile)
		}
	}
	var acks []string
	for len(acks) < 3 {
		id, err := conn.InboundAck(ctx)
		if err != nil {
			t.Fatalf("acks %v: %v", acks, err)
		}
		acks = append(acks, id)
	}
	sort.Strings(acks)
	if strings.Join(acks, ",") != "buf-a1,buf-b1,buf-m1" {
		t.Fatalf("acks %v", acks)
	}
	if f, ok := conn.PendingOutbound(); ok {
		t.Fatalf("unexpected outbound (mallory's message must be dropped): %+v", f)
	}
	p.seen(t, ctx, p.stderr, "relay: inbound dropped")

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := conn.GoingIdle(ctx); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("exit %d after SIGTERM\nstderr:\n%s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "relay: closed") {
		t.Errorf("no closing log line:\n%s", p.stderr)
	}
	noLeak(t, home, p.stdout.String()+p.stderr.String(), gatewaySecret)
}

// TestGatewayExitsWhenRevoked: a 4401 after the handshake, then again on
// the fresh-token re-dial, is a revocation: the command exits 1 and says
// so.
func TestGatewayExitsWhenRevoked(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, conn, home := startGatewayCLI(t, ctx)
	// A reply proves the handshake: the connector wrote the descriptor
	// before it read anything else from that connection.
	if err := conn.Push(ctx, inboundFor("bob", "b1", "ping")); err != nil {
		t.Fatal(err)
	}
	if f, err := conn.Outbound(ctx); err != nil || f.Action.Content != "echo: ping" {
		t.Fatalf("reply %+v, %v", f.Action, err)
	}
	conn.Reject(1, closeUnauthorized, "unauthorized") // the fresh-token re-dial
	conn.CloseAll(closeUnauthorized, "unauthorized")
	if code := p.wait(t, ctx); code != 1 {
		t.Fatalf("exit %d after a revocation, want 1\nstderr:\n%s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "revoked") {
		t.Errorf("stderr does not mention the revocation:\n%s", p.stderr)
	}
	noLeak(t, home, p.stdout.String()+p.stderr.String(), gatewaySecret)
}

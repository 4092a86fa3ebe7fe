package relay_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// gatedModel is an OpenAI-compatible endpoint that answers a chat request
// only when the test releases it: a turn that is running for as long as
// the test wants, with no clock involved.
type gatedModel struct {
	arrived chan string // the last user message of each request
	release chan string // the answer to give
}

func newGatedModel(t *testing.T) (*gatedModel, *httptest.Server) {
	m := &gatedModel{arrived: make(chan string, 64), release: make(chan string)}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv
}

func (m *gatedModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	question := req.Messages[len(req.Messages)-1].Content
	m.arrived <- question
	var answer string
	select {
	case answer = <-m.release:
	case <-r.Context().Done():
		return
	}
	if answer == "" {
		answer = "answer to " + question
	}
	b, _ := json.Marshal(answer)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":%s}}]}`, b)
}

// gatedProfile is a profile whose handler asks the gated model.
func gatedProfile(srv *httptest.Server) runtimetest.Profile {
	return runtimetest.Profile{
		Env: "OPENAI_API_KEY=sk-test-gated-0000\nOPENAI_BASE_URL=" + srv.URL + "/v1\nOPENAI_MODEL=fake-model\n",
		Config: `
wasmgw:
  handler: chat
  modules:
    chat:
      path: builtin:handler
      grants: [OPENAI_BASE_URL, OPENAI_MODEL]
      egress:
        allow: ["` + srv.URL + `"]
        secrets: {OPENAI_API_KEY: ["127.0.0.1"]}
        allow_private: true
`,
	}
}

func startGated(t *testing.T, s gatewaySetup) (*gatewayHarness, *gatedModel) {
	t.Helper()
	m, srv := newGatedModel(t)
	s.profiles = map[string]runtimetest.Profile{"gated": gatedProfile(srv)}
	if s.names == nil {
		s.names = []string{"alice", "gated"}
	}
	return startGateway(t, s), m
}

func (h *gatewayHarness) arrived(m *gatedModel) string {
	h.t.Helper()
	select {
	case s := <-m.arrived:
		return s
	case <-h.ctx.Done():
		h.t.Fatal("the model was never asked")
	}
	return ""
}

func (h *gatewayHarness) release(m *gatedModel, answer string) {
	h.t.Helper()
	select {
	case m.release <- answer:
	case <-h.ctx.Done():
		h.t.Fatal("the model request went away")
	}
}

func (h *gatewayHarness) wait(c <-chan struct{}, what string) {
	h.t.Helper()
	select {
	case <-c:
	case <-h.ctx.Done():
		h.t.Fatalf("never saw %s", what)
	}
}

// sync pushes a message to alice in its own chat and waits for its reply:
// every frame pushed before it has then been handled by the read loop.
func (h *gatewayHarness) sync(id string) {
	h.t.Helper()
	h.push(message("alice", "sync", id, "sync "+id))
	for {
		f := h.outbound()
		if f.Action.ReplyTo == id {
			return
		}
		h.t.Fatalf("while syncing on %s: unexpected outbound %+v", id, f.Action)
	}
}

// TestGatewayRedeliveryWhileRunningJoinsTheTurn: the connector delivers a
// buffered message again (same bufferId, and once more under another
// bufferId) while its turn is still running: it is not run again, the one
// reply goes out once, and every delivery is acknowledged after it.
func TestGatewayRedeliveryWhileRunningJoinsTheTurn(t *testing.T) {
	t.Parallel()
	h, m := startGated(t, gatewaySetup{})
	in := message("gated", "g", "m1", "question one")
	in.BufferID = "buf-1"
	h.push(in)
	if got := h.arrived(m); got != "question one" {
		t.Fatalf("model asked %q", got)
	}
	h.push(in) // redelivered as is
	again := in
	again.BufferID = "buf-1-again" // the same message under a new buffer id
	h.push(again)
	h.sync("s1")
	h.release(m, "answer one")
	f := h.outbound()
	if f.Action.ReplyTo != "m1" || f.Action.Content != "answer one" {
		t.Fatalf("reply %+v", f.Action)
	}
	acks := map[string]bool{h.ack(): true, h.ack(): true}
	if !acks["buf-1"] || !acks["buf-1-again"] {
		t.Fatalf("acks %v; want buf-1 and buf-1-again", acks)
	}
	// The same session runs its next message: had a copy of m1 been queued,
	// the model would be asked "question one" again first.
	h.push(message("gated", "g", "m2", "question two"))
	if got := h.arrived(m); got != "question two" {
		t.Fatalf("after the answer the model was asked %q; the redelivery ran again", got)
	}
	h.release(m, "answer two")
	if f := h.outbound(); f.Action.ReplyTo != "m2" {
		t.Fatalf("reply %+v", f.Action)
	}
	h.noMoreOutbound()
	if !strings.Contains(h.logs.String(), "joins its turn") {
		t.Error("no log line for the joined redelivery")
	}
}

// TestGatewayRedeliveryAfterAnswerAcksWithoutRunning: a buffered delivery
// redelivered after it was answered (its ack lost with a connection), and a
// message delivered live then again buffered, are acknowledged again and
// never answered twice.
func TestGatewayRedeliveryAfterAnswerAcksWithoutRunning(t *testing.T) {
	t.Parallel()
	h := startGateway(t, gatewaySetup{})
	in := message("alice", "a", "m1", "hello")
	in.BufferID = "buf-1"
	h.push(in)
	if f := h.outbound(); f.Action.ReplyTo != "m1" {
		t.Fatalf("reply %+v", f.Action)
	}
	if got := h.ack(); got != "buf-1" {
		t.Fatalf("ack %q", got)
	}
	h.push(in)
	if got := h.ack(); got != "buf-1" {
		t.Fatalf("re-ack %q", got)
	}

	live := message("alice", "a", "m2", "live first")
	h.push(live)
	if f := h.outbound(); f.Action.ReplyTo != "m2" {
		t.Fatalf("reply %+v", f.Action)
	}
	buffered := live
	buffered.BufferID = "buf-2"
	h.push(buffered)
	if got := h.ack(); got != "buf-2" {
		t.Fatalf("ack %q", got)
	}
	// Same session: a second answer to m1 or m2 would come before this one.
	h.push(message("alice", "a", "m3", "after"))
	if f := h.outbound(); f.Action.ReplyTo != "m3" {
		t.Fatalf("next outbound %+v; want the reply to m3 (a redelivery ran again)", f.Action)
	}
	h.noMoreOutbound()
	// m2's buffered copy may come before the gateway saw the result of its
	// live reply: it then joins the (finishing) turn instead.
	logs := h.logs.String()
	if n := strings.Count(logs, "acknowledged again") + strings.Count(logs, "joins its turn"); n != 2 {
		t.Errorf("%d re-ack or join log lines, want 2", n)
	}
}

// TestGatewayHoldsReplyAcrossReconnect: a live turn that ends while the
// connection is down keeps its reply; it goes out once after the next
// handshake.
func TestGatewayHoldsReplyAcrossReconnect(t *testing.T) {
	t.Parallel()
	h, m := startGated(t, gatewaySetup{})
	closed := h.logs.Seen("relay: connection closed; reconnecting")
	h.push(message("gated", "g", "live-1", "slow question"))
	h.arrived(m)
	h.conn.Kill()
	h.wait(closed, "the gateway notice the close")
	held := h.logs.Seen("reply held until the connection is back")
	h.release(m, "slow answer")
	h.wait(held, "the reply held")
	h.conn.Start()
	if _, err := h.conn.WaitConnected(h.ctx); err != nil {
		t.Fatal(err)
	}
	f := h.outbound()
	if f.Action.ReplyTo != "live-1" || f.Action.Content != "slow answer" || f.Action.ChatID != "g" {
		t.Fatalf("after the reconnect: %+v", f.Action)
	}
	h.sync("s1")
	h.noMoreOutbound()
}

// TestGatewayDoesNotResendAWrittenReply: a reply that was written but got
// no result before the connection dropped may have been applied: it is not
// sent again after the reconnect.
func TestGatewayDoesNotResendAWrittenReply(t *testing.T) {
	t.Parallel()
	h := startGateway(t, gatewaySetup{})
	h.conn.SetAnswer("none")
	h.push(message("alice", "a", "m1", "hello"))
	if f := h.outbound(); f.Action.ReplyTo != "m1" {
		t.Fatalf("reply %+v", f.Action)
	}
	h.conn.SetAnswer("success")
	h.conn.Kill()
	h.conn.Start()
	if _, err := h.conn.WaitConnected(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.push(message("alice", "a", "m2", "again"))
	if f := h.outbound(); f.Action.ReplyTo != "m2" {
		t.Fatalf("after the reconnect: %+v; want only the reply to m2", f.Action)
	}
	h.noMoreOutbound()
}

// TestGatewayReportsHeldRepliesAtShutdown: replies still held when the
// process drains (no connection came back) are reported with their count.
func TestGatewayReportsHeldRepliesAtShutdown(t *testing.T) {
	t.Parallel()
	h, m := startGated(t, gatewaySetup{})
	closed := h.logs.Seen("relay: connection closed; reconnecting")
	h.push(message("gated", "g", "live-1", "slow question"))
	h.arrived(m)
	h.conn.Kill()
	h.wait(closed, "the gateway notice the close")
	held := h.logs.Seen("reply held until the connection is back")
	h.release(m, "slow answer")
	h.wait(held, "the reply held")
	h.stop()
	select {
	case err := <-h.runErr:
		h.runErr <- err
	case <-h.ctx.Done():
		t.Fatal("Run did not return")
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "replies still held at shutdown") || !strings.Contains(logs, "held=1") {
		t.Fatalf("no report of the held reply in the logs:\n%s", logs)
	}
}

// TestGatewaySkipsOversizeMessage: a WebSocket message over 1 MiB is
// skipped whole with a log line, on the same connection: the messages
// around it are answered, and a line it cut is dropped whole.
func TestGatewaySkipsOversizeMessage(t *testing.T) {
	t.Parallel()
	h := startGateway(t, gatewaySetup{})
	cn := h.conn.Latest()
	big := message("alice", "a", "big", strings.Repeat("x", wire.MaxFrameSize))
	b, err := wire.EncodeFrame(wire.InboundFrame{Event: relay.WireEvent(big.Event)})
	if err != nil {
		t.Fatal(err)
	}
	if err := cn.SendRaw(h.ctx, b); err != nil {
		t.Fatal(err)
	}
	h.push(message("alice", "a", "m1", "after the big one"))
	if f := h.outbound(); f.Action.ReplyTo != "m1" {
		t.Fatalf("after the oversize message: %+v", f.Action)
	}
	// An oversize message that ends mid-line: the rest of that line, in the
	// next message, is dropped with it; the frame after it is read.
	ok, _ := wire.EncodeFrame(wire.InboundFrame{Event: relay.WireEvent(message("alice", "a", "m2", "kept").Event)})
	if err := cn.SendRaw(h.ctx, append([]byte(`{"type":"inbound","event":{"text":"`), strings.Repeat("y", wire.MaxFrameSize+10)...)); err != nil {
		t.Fatal(err)
	}
	if err := cn.SendRaw(h.ctx, append([]byte(`tail of the cut line"}}`+"\n"), ok...)); err != nil {
		t.Fatal(err)
	}
	if f := h.outbound(); f.Action.ReplyTo != "m2" {
		t.Fatalf("after the cut message: %+v", f.Action)
	}
	h.noMoreOutbound()
	if h.conn.Dials() != 1 {
		t.Fatalf("%d dials: the oversize message cost the connection", h.conn.Dials())
	}
	if n := strings.Count(h.logs.String(), "WebSocket message over 1 MiB skipped"); n != 2 {
		t.Fatalf("%d skip log lines, want 2", n)
	}
	if strings.Contains(h.logs.String(), "malformed frame") {
		t.Fatal("the tail of the cut line was read as a frame")
	}
}

// TestGatewayKeepsDescriptorAfterLateInvalidOne: an invalid descriptor
// after the handshake is logged and skipped; the connection and the
// previous descriptor stay.
func TestGatewayKeepsDescriptorAfterLateInvalidOne(t *testing.T) {
	t.Parallel()
	d := relaytest.DefaultDescriptor("discord")
	d["max_message_length"] = 40
	h := startGateway(t, gatewaySetup{conn: relaytest.Options{Descriptor: d}})
	h.sync("s0") // the handshake is done
	bad := relaytest.DefaultDescriptor("discord")
	delete(bad, "label")
	raw, _ := json.Marshal(bad)
	if err := h.conn.Latest().Send(h.ctx, wire.DescriptorFrame{Descriptor: raw}); err != nil {
		t.Fatal(err)
	}
	h.sync("s1")
	got, ok := h.gw.Client().Descriptor()
	if !ok || got.MaxMessageLength != 40 || got.Label != "Test discord" {
		t.Fatalf("descriptor after the bad one: %+v", got)
	}
	if h.conn.Dials() != 1 {
		t.Fatalf("%d dials: the late descriptor cost the connection", h.conn.Dials())
	}
	if !strings.Contains(h.logs.String(), "invalid capability descriptor after the handshake skipped") {
		t.Fatal("no log line for the late invalid descriptor")
	}
}

// TestGatewayRoutesUnstampedToTheOnlyProfile: a gateway serving one profile
// answers unstamped messages with it, and its reply carries no profile the
// connector did not send.
func TestGatewayRoutesUnstampedToTheOnlyProfile(t *testing.T) {
	t.Parallel()
	h := startGateway(t, gatewaySetup{names: []string{"alice"}})
	h.push(message("", "a", "m1", "/call whoami {}"))
	f := h.outbound()
	want := fmt.Sprintf(`{"profile":"alice","key_sha256":%q}`, fingerprint(aliceKey))
	if f.Action.ReplyTo != "m1" || f.Action.Content != want {
		t.Fatalf("reply %+v", f.Action)
	}
	if p, ok := f.Action.Metadata[wire.MetaProfile]; ok {
		t.Fatalf("reply metadata has profile %v; the connector sent none", p)
	}
	if f.Action.Metadata[wire.MetaUserID] != "u-a" {
		t.Fatalf("metadata %v", f.Action.Metadata)
	}
}

// TestGatewayRoutesUnstampedToDefaultProfile: with gateway.default_profile,
// unstamped messages go to it (a stamped one still goes where stamped); a
// default_profile that is not served drops them with a clear log line.
func TestGatewayRoutesUnstampedToDefaultProfile(t *testing.T) {
	t.Parallel()
	h := startGateway(t, gatewaySetup{cfg: func(c *relay.Config) { c.DefaultProfile = "bob" }})
	h.push(message("", "b", "m1", "/call whoami {}"))
	h.push(message("alice", "a", "m2", "/call whoami {}"))
	got := h.replies(2)
	if want := fmt.Sprintf(`{"profile":"bob","key_sha256":%q}`, fingerprint(bobKey)); got["m1"].Content != want {
		t.Fatalf("unstamped: %q, want %q", got["m1"].Content, want)
	}
	if _, ok := got["m1"].Metadata[wire.MetaProfile]; ok {
		t.Fatalf("metadata %v: profile invented", got["m1"].Metadata)
	}
	if want := fmt.Sprintf(`{"profile":"alice","key_sha256":%q}`, fingerprint(aliceKey)); got["m2"].Content != want {
		t.Fatalf("stamped: %q", got["m2"].Content)
	}

	h2 := startGateway(t, gatewaySetup{cfg: func(c *relay.Config) { c.DefaultProfile = "nobody" }})
	in := message("", "x", "m3", "hello")
	in.BufferID = "buf-3"
	h2.push(in)
	if got := h2.ack(); got != "buf-3" {
		t.Fatalf("ack %q", got)
	}
	h2.noMoreOutbound()
	if !strings.Contains(h2.logs.String(), "gateway.default_profile profile not served") {
		t.Fatalf("no clear drop line:\n%s", h2.logs.String())
	}
}

// TestGatewayDropsHeldRepliesPastTheBound: past the count bound of held
// replies the oldest is dropped with a log line and its delivery forgotten,
// so the connector's redelivery runs it again; the other is sent after the
// reconnect. Each message ends up answered once.
func TestGatewayDropsHeldRepliesPastTheBound(t *testing.T) {
	t.Parallel()
	h, m := startGated(t, gatewaySetup{opts: func(o *relay.GatewayOptions) { o.MaxHeld = 1 }})
	closed := h.logs.Seen("relay: connection closed; reconnecting")
	ins := map[string]relay.Inbound{}
	for _, id := range []string{"q1", "q2"} {
		in := message("gated", "chat-"+id, id, "question "+id)
		in.BufferID = "buf-" + id
		ins[id] = in
		h.push(in)
	}
	h.arrived(m)
	h.arrived(m)
	h.conn.Kill()
	h.wait(closed, "the gateway notice the close")
	held := h.logs.Seen("reply held until the connection is back")
	h.release(m, "")
	h.wait(held, "the first reply held")
	dropped := h.logs.Seen("held reply dropped: over the bounds of held replies")
	h.release(m, "")
	h.wait(dropped, "the oldest held reply dropped")
	h.conn.Start()
	if _, err := h.conn.WaitConnected(h.ctx); err != nil {
		t.Fatal(err)
	}
	f := h.outbound()
	kept := f.Action.ReplyTo
	if f.Action.Content != "answer to question "+kept {
		t.Fatalf("the held reply: %+v", f.Action)
	}
	if got := h.ack(); got != "buf-"+kept {
		t.Fatalf("ack %q, want buf-%s", got, kept)
	}
	lost := map[string]string{"q1": "q2", "q2": "q1"}[kept]
	// The connector delivers both again: the answered one is re-acked, the
	// dropped one runs again.
	h.push(ins[kept])
	if got := h.ack(); got != "buf-"+kept {
		t.Fatalf("re-ack %q", got)
	}
	h.push(ins[lost])
	if got := h.arrived(m); got != "question "+lost {
		t.Fatalf("model asked %q", got)
	}
	h.release(m, "")
	if f := h.outbound(); f.Action.ReplyTo != lost {
		t.Fatalf("reply %+v, want the one to %s", f.Action, lost)
	}
	if got := h.ack(); got != "buf-"+lost {
		t.Fatalf("ack %q", got)
	}
	h.noMoreOutbound()
}

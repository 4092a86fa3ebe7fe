package relay_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// chaosSize is the size of the chaos run: short in go test, long with
// WASMGW_CHAOS_KILLS / WASMGW_CHAOS_MESSAGES (make chaos).
func chaosSize(t *testing.T) (kills, messages int) {
	kills, messages = 6, 60
	for _, v := range []struct {
		env string
		dst *int
	}{{"WASMGW_CHAOS_KILLS", &kills}, {"WASMGW_CHAOS_MESSAGES", &messages}} {
		if s := os.Getenv(v.env); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				t.Fatalf("%s=%q: want a positive integer", v.env, s)
			}
			*v.dst = n
		}
	}
	return kills, messages
}

// chaosWant is what the reply to one message must be.
type chaosWant struct {
	profile, chat, content string
	buffered               bool
}

// TestGatewayChaosConnectorKills kills and restarts the connector many
// times while buffered and live messages are in flight, and checks that
// every message is answered exactly once, in its own chat, by its own
// profile, and that every buffered delivery is acknowledged.
//
// The connector model: buffered messages (with a bufferId) stay in its
// buffer until acknowledged and are delivered again after every handshake;
// live ones (no bufferId) are delivered once, on the connection they were
// pushed on. Rounds end alternately with a crash (relaytest Kill: no close
// frame) and a restart (a 1012 close). Either way the connector applies
// every frame the gateway wrote before it noticed, so a send without a result is one that was applied:
// the one ambiguity no gateway can resolve is left out (see
// docs/relay.md). Nothing here waits on a clock: each round waits for a
// number of replies, then kills.
func TestGatewayChaosConnectorKills(t *testing.T) {
	t.Parallel()
	kills, messages := chaosSize(t)
	h := startGateway(t, gatewaySetup{})
	perRound := (messages + kills - 1) / kills

	want := map[string]chaosWant{}
	buffer := map[string]relay.Inbound{} // unacknowledged buffered deliveries
	replies := map[string][]wire.Action{}
	var redelivered, acks int
	next := 0

	// observe records whatever the connector got, without waiting.
	observe := func() {
		for {
			select {
			case f := <-h.conn.OutboundFrames():
				if f.Action.Op == wire.OpSend {
					replies[f.Action.ReplyTo] = append(replies[f.Action.ReplyTo], f.Action)
				}
			case id := <-h.conn.InboundAcks():
				acks++
				delete(buffer, id)
			default:
				return
			}
		}
	}
	// waitReplies blocks until n distinct messages have a reply.
	waitReplies := func(n int) {
		for len(replies) < n {
			select {
			case f := <-h.conn.OutboundFrames():
				if f.Action.Op == wire.OpSend {
					replies[f.Action.ReplyTo] = append(replies[f.Action.ReplyTo], f.Action)
				}
			case id := <-h.conn.InboundAcks():
				acks++
				delete(buffer, id)
			case <-h.ctx.Done():
				t.Fatalf("waiting for %d replies: %d so far", n, len(replies))
			}
		}
	}
	first := true // startGateway waited for the first connection
	connect := func() {
		cn := h.conn.Latest()
		if !first {
			var err error
			if cn, err = h.conn.WaitConnected(h.ctx); err != nil {
				t.Fatal(err)
			}
		}
		first = false
		observe()
		for _, in := range buffer {
			if err := cn.Push(h.ctx, in); err != nil {
				t.Fatal(err)
			}
			redelivered++
		}
	}

	for round := 0; round < kills; round++ {
		connect()
		for i := 0; i < perRound && next < messages; i++ {
			id := fmt.Sprintf("c%d", next)
			profile := []string{"alice", "bob"}[next%2]
			chat := fmt.Sprintf("%s-%d", profile, next%5)
			in := message(profile, chat, id, "msg "+id)
			w := chaosWant{profile: profile, chat: chat, content: "echo: msg " + id}
			if next%3 == 0 {
				in.Event.Text = "/call whoami {}"
				key := map[string]string{"alice": aliceKey, "bob": bobKey}[profile]
				w.content = fmt.Sprintf(`{"profile":%q,"key_sha256":%q}`, profile, fingerprint(key))
			}
			if next%2 == 1 || next%4 == 0 {
				in.BufferID = "buf-" + id
				w.buffered = true
				buffer[in.BufferID] = in
			}
			want[id] = w
			if err := h.conn.Push(h.ctx, in); err != nil {
				t.Fatal(err)
			}
			next++
		}
		// Kill with a part of this round answered and the rest in flight:
		// after 0, 1/4, 1/2 ... of the round, cycling.
		waitReplies(len(replies) + (round%4)*perRound/4)
		// Alternately a crash (no close frame) and a restart (close 1012).
		if round%2 == 0 {
			h.conn.Kill()
			h.conn.Start()
		} else {
			h.conn.Restart()
		}
	}
	// The last connection stays up, and the buffer is delivered again on
	// it: every message must be answered and every buffered one acknowledged.
	connect()
	for len(replies) < len(want) || len(buffer) > 0 {
		select {
		case f := <-h.conn.OutboundFrames():
			if f.Action.Op == wire.OpSend {
				replies[f.Action.ReplyTo] = append(replies[f.Action.ReplyTo], f.Action)
			}
		case id := <-h.conn.InboundAcks():
			acks++
			delete(buffer, id)
		case <-h.ctx.Done():
			t.Fatalf("after the last restart: %d of %d messages answered, %d buffered deliveries not acknowledged", len(replies), len(want), len(buffer))
		}
	}
	// Let the gateway settle, then take what it still sent: a duplicate
	// would show here. The sync message runs after everything queued.
	h.push(message("alice", "sync", "sync", "sync"))
	for {
		f := <-h.conn.OutboundFrames()
		if f.Action.ReplyTo == "sync" {
			break
		}
		if f.Action.Op == wire.OpSend {
			replies[f.Action.ReplyTo] = append(replies[f.Action.ReplyTo], f.Action)
		}
	}
	observe()

	var lost, dup, wrong int
	for id, w := range want {
		got := replies[id]
		switch {
		case len(got) == 0:
			lost++
			t.Errorf("%s: no reply", id)
		case len(got) > 1:
			dup++
			t.Errorf("%s: %d replies", id, len(got))
		}
		for _, a := range got {
			if a.ChatID != w.chat || a.Content != w.content || a.Metadata[wire.MetaProfile] != w.profile {
				wrong++
				t.Errorf("%s: reply %+v, want chat %s profile %s content %q", id, a, w.chat, w.profile, w.content)
			}
		}
	}
	for id := range replies {
		if _, ok := want[id]; !ok {
			t.Errorf("a reply to %q, which was never sent", id)
		}
	}
	logs := h.logs.String()
	t.Logf("chaos: %d kills, %d messages (%d buffered), %d redeliveries, %d acks; lost %d, duplicated %d, misrouted %d; joined %d, re-acked %d, held %d, outcome unknown %d",
		kills, len(want), countBuffered(want), redelivered, acks, lost, dup, wrong,
		strings.Count(logs, "joins its turn"), strings.Count(logs, "acknowledged again"),
		strings.Count(logs, "reply held until the connection is back"), strings.Count(logs, "outcome unknown"))
}

func countBuffered(want map[string]chaosWant) int {
	n := 0
	for _, w := range want {
		if w.buffered {
			n++
		}
	}
	return n
}

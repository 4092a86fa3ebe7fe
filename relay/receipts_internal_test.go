package relay

import (
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

func inbound(chat, msg, buf string) Inbound {
	return Inbound{BufferID: buf, Event: Event{MessageID: msg, Text: "t", Source: Source{Platform: "discord", ChatID: chat}}}
}

// TestReceiptsAdmit: a new delivery runs; its redelivery (same bufferId,
// or the same message under another bufferId or live) joins while it runs
// and is re-acked once answered; an edit with new text and the same id in
// another chat are new messages; a message with no key is never recorded.
func TestReceiptsAdmit(t *testing.T) {
	t.Parallel()
	r := newReceipts(100, time.Hour, time.Now)
	rec, v := r.admit(inbound("c", "m1", "b1"))
	if v != admitNew || rec == nil {
		t.Fatalf("first: %v", v)
	}
	if _, v := r.admit(inbound("c", "m1", "b1")); v != admitJoin {
		t.Fatalf("same buffer id: %v", v)
	}
	if _, v := r.admit(inbound("c", "m1", "b2")); v != admitJoin {
		t.Fatalf("same message, new buffer id: %v", v)
	}
	if _, v := r.admit(inbound("c", "m1", "")); v != admitJoin {
		t.Fatalf("same message live: %v", v)
	}
	if _, v := r.admit(inbound("other", "m1", "")); v != admitNew {
		t.Fatalf("same id in another chat: %v", v)
	}
	edit := inbound("c", "m1", "")
	edit.Event.Source.MessageIsEdit = true
	edit.Event.Text = "edited"
	if _, v := r.admit(edit); v != admitNew {
		t.Fatalf("an edit: %v", v)
	}
	if acks := r.answered(rec); len(acks) != 2 || acks[0] != "b1" || acks[1] != "b2" {
		t.Fatalf("acks %v, want [b1 b2]", acks)
	}
	if _, v := r.admit(inbound("c", "m1", "b3")); v != admitAnswered {
		t.Fatalf("after the answer: %v", v)
	}
	if _, v := r.admit(inbound("c", "m1", "b3")); v != admitAnswered {
		t.Fatalf("b3, now indexed too: %v", v)
	}
	if rec, v := r.admit(Inbound{Event: Event{Text: "no id"}}); v != admitNew || rec != nil {
		t.Fatalf("no key: %v %v", rec, v)
	}
	// A forgotten delivery (its reply failed) runs again.
	rec2, _ := r.admit(inbound("c", "m9", "b9"))
	r.forget(rec2)
	if _, v := r.admit(inbound("c", "m9", "b9")); v != admitNew {
		t.Fatalf("after forget: %v", v)
	}
}

// TestReceiptsBounds: past the count bound the least recently changed
// delivery is forgotten; an answered one is forgotten after the age bound;
// a running one is not forgotten for its age.
func TestReceiptsBounds(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	r := newReceipts(3, time.Minute, clock)
	for _, m := range []string{"m1", "m2", "m3", "m4"} {
		r.admit(inbound("c", m, ""))
	}
	if r.len() != 3 {
		t.Fatalf("%d recorded, want 3", r.len())
	}
	if _, v := r.admit(inbound("c", "m1", "")); v != admitNew {
		t.Fatalf("m1 should have been evicted: %v", v)
	}

	r = newReceipts(100, time.Minute, clock)
	done, _ := r.admit(inbound("c", "done", ""))
	r.answered(done)
	r.admit(inbound("c", "running", ""))
	now = now.Add(2 * time.Minute)
	if _, v := r.admit(inbound("c", "running", "")); v != admitJoin {
		t.Fatalf("a running delivery was forgotten for its age: %v", v)
	}
	if _, v := r.admit(inbound("c", "done", "")); v != admitNew {
		t.Fatalf("an answered delivery outlived the age bound: %v", v)
	}
}

// TestOutboxBounds: held replies are dropped oldest first past the count
// or the bytes bound, and past the age bound when taken; a held reply put
// back in front keeps its place.
func TestOutboxBounds(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	o := &outbox{maxCount: 2, maxBytes: 10, ttl: time.Minute, now: func() time.Time { return now }}
	h := func(id, text string) *heldReply {
		return &heldReply{in: inbound("c", id, ""), parts: []wire.Action{{Op: wire.OpSend, Content: text}}, since: now}
	}
	if d := o.hold([]*heldReply{h("a", "1234"), h("b", "1234")}, false); len(d) != 0 {
		t.Fatalf("dropped %d", len(d))
	}
	d := o.hold([]*heldReply{h("c", "12")}, false)
	if len(d) != 1 || d[0].in.Event.MessageID != "a" {
		t.Fatalf("count bound dropped %v", d)
	}
	d = o.hold([]*heldReply{h("d", "123456789")}, false)
	if n, b := o.stats(); n != 1 || b != 9 || len(d) != 2 {
		t.Fatalf("bytes bound: %d held, %d bytes, %d dropped", n, b, len(d))
	}
	o.hold([]*heldReply{h("e", "1")}, true)
	held, expired := o.take()
	if len(expired) != 0 || len(held) != 2 || held[0].in.Event.MessageID != "e" {
		t.Fatalf("take: %d held, %d expired", len(held), len(expired))
	}
	o.hold(held, false)
	now = now.Add(2 * time.Minute)
	held, expired = o.take()
	if len(held) != 0 || len(expired) != 2 {
		t.Fatalf("age bound: %d held, %d expired", len(held), len(expired))
	}
	if n, b := o.stats(); n != 0 || b != 0 {
		t.Fatalf("after take: %d, %d", n, b)
	}
}

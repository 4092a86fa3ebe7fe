package relay

import (
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// Bounds of the held replies (see [GatewayOptions.MaxHeld],
// [GatewayOptions.MaxHeldBytes] and [GatewayOptions.HeldTTL]).
const (
	// defaultMaxHeld bounds the replies held for the next connection.
	defaultMaxHeld = 1000
	// defaultMaxHeldBytes bounds the text of the replies held.
	defaultMaxHeldBytes = 8 << 20
	// defaultHeldTTL is how long a reply is held before it is dropped.
	defaultHeldTTL = 10 * time.Minute
)

// heldReply is a reply (the parts not yet handed off) waiting for a
// connection: none of its remaining parts was written, so sending them
// later can never duplicate them.
type heldReply struct {
	profile string
	in      Inbound
	rec     *receipt
	parts   []wire.Action // the remaining parts, in order
	part    int           // index of parts[0] in the whole reply
	total   int           // parts in the whole reply
	since   time.Time
}

// size is the bytes of text held.
func (h *heldReply) size() int {
	n := 0
	for _, a := range h.parts {
		n += len(a.Content)
	}
	return n
}

// outbox holds replies that could not be written because there was no
// connection, in order, bounded in count, bytes and age. Safe for
// concurrent use.
type outbox struct {
	maxCount int
	maxBytes int
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	items []*heldReply
	bytes int
}

// hold appends hs, or puts them first (in their order) to resume a flush
// that was cut short, and returns what the bounds pushed out, oldest first.
func (o *outbox) hold(hs []*heldReply, front bool) (dropped []*heldReply) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if front {
		o.items = append(append([]*heldReply(nil), hs...), o.items...)
	} else {
		o.items = append(o.items, hs...)
	}
	for _, h := range hs {
		o.bytes += h.size()
	}
	dropped = o.expire(o.now())
	for len(o.items) > 0 && (len(o.items) > o.maxCount || o.bytes > o.maxBytes) {
		dropped = append(dropped, o.items[0])
		o.bytes -= o.items[0].size()
		o.items[0] = nil // not kept reachable by the backing array
		o.items = o.items[1:]
	}
	return dropped
}

// take removes and returns every held reply, oldest first, and those that
// expired.
func (o *outbox) take() (held, expired []*heldReply) {
	o.mu.Lock()
	defer o.mu.Unlock()
	expired = o.expire(o.now())
	held, o.items, o.bytes = o.items, nil, 0
	return held, expired
}

// expire removes the replies held longer than the age bound. Called with
// o.mu held.
func (o *outbox) expire(now time.Time) []*heldReply {
	var out []*heldReply
	kept := o.items[:0]
	for _, h := range o.items {
		if o.ttl > 0 && now.Sub(h.since) > o.ttl {
			out = append(out, h)
			o.bytes -= h.size()
			continue
		}
		kept = append(kept, h)
	}
	for i := len(kept); i < len(o.items); i++ {
		o.items[i] = nil
	}
	o.items = kept
	return out
}

// stats is the count and bytes of the replies held.
func (o *outbox) stats() (count, bytes int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.items), o.bytes
}

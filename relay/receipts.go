package relay

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Bounds of the delivery record (see [GatewayOptions.MaxReceipts] and
// [GatewayOptions.ReceiptTTL]).
const (
	// defaultMaxReceipts bounds the deliveries remembered: past it the
	// least recently changed is forgotten first.
	defaultMaxReceipts = 10000
	// defaultReceiptTTL is how long an answered delivery is remembered.
	defaultReceiptTTL = time.Hour
)

// verdict is what the delivery record says of an inbound message.
type verdict int

const (
	// admitNew: not seen (or forgotten): run it.
	admitNew verdict = iota
	// admitJoin: the same message is still running: its buffer id is acked
	// with the running turn's hand-off; it is not run again.
	admitJoin
	// admitAnswered: the same message was answered: acknowledge it again,
	// never run it again.
	admitAnswered
)

// receiptState is the state of one delivery.
type receiptState int

const (
	receiptRunning receiptState = iota
	receiptAnswered
)

// receipt is one recorded delivery: a message accepted for a turn, by its
// keys (its bufferId, and its platform, chat and message id).
type receipt struct {
	keys    []string
	state   receiptState
	acks    []string // buffer ids to acknowledge once answered
	changed time.Time
	elem    *list.Element
}

// receipts is the gateway's bounded record of recent deliveries, so that a
// message the connector delivers again (a buffered redelivery after a
// reconnect, the same message live and then buffered) is answered exactly
// once. It lives in memory: it survives reconnects, not a process restart.
// Safe for concurrent use.
type receipts struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	order *list.List // of *receipt, front = most recently changed
	byKey map[string]*receipt
}

func newReceipts(max int, ttl time.Duration, now func() time.Time) *receipts {
	return &receipts{max: max, ttl: ttl, now: now, order: list.New(), byKey: map[string]*receipt{}}
}

// deliveryKeys are the keys of a delivery: its bufferId, and the message
// id within its platform and chat (an edit also by its text, since an edit
// keeps the message id). A message with neither is not recorded.
func deliveryKeys(in Inbound) []string {
	var keys []string
	if in.BufferID != "" {
		keys = append(keys, "b\x00"+in.BufferID)
	}
	ev := in.Event
	if ev.MessageID != "" {
		src := ev.Source
		platform := src.Platform
		if platform == "" {
			platform = DefaultPlatform
		}
		k := "m\x00" + platform + "\x00" + src.ChatID + "\x00" + ev.MessageID
		if src.MessageIsEdit {
			sum := sha256.Sum256([]byte(ev.Text))
			k += "\x00edit\x00" + hex.EncodeToString(sum[:8])
		}
		keys = append(keys, k)
	}
	return keys
}

// admit looks in up: by bufferId first, else by message id. A new delivery
// is recorded as running (its bufferId to be acked once answered); a
// redelivery of a running one joins it (its bufferId is added); one of an
// answered one is reported so that it is acknowledged again. rec is nil
// for a message with no key.
func (r *receipts) admit(in Inbound) (*receipt, verdict) {
	keys := deliveryKeys(in)
	if len(keys) == 0 {
		return nil, admitNew
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.evict(now)
	for _, k := range keys {
		rec, ok := r.byKey[k]
		if !ok {
			continue
		}
		// Index the other keys too (the same message, live then buffered).
		for _, k2 := range keys {
			if _, taken := r.byKey[k2]; !taken {
				r.byKey[k2] = rec
				rec.keys = append(rec.keys, k2)
			}
		}
		if rec.state == receiptAnswered {
			return rec, admitAnswered
		}
		if in.BufferID != "" && !contains(rec.acks, in.BufferID) {
			rec.acks = append(rec.acks, in.BufferID)
		}
		return rec, admitJoin
	}
	rec := &receipt{keys: keys, changed: now}
	if in.BufferID != "" {
		rec.acks = []string{in.BufferID}
	}
	rec.elem = r.order.PushFront(rec)
	for _, k := range keys {
		r.byKey[k] = rec
	}
	r.evict(now)
	return rec, admitNew
}

// answered marks rec answered and returns the buffer ids to acknowledge
// (the first delivery's and every joined redelivery's).
func (r *receipts) answered(rec *receipt) []string {
	if rec == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	acks := rec.acks
	rec.acks = nil
	rec.state = receiptAnswered
	rec.changed = r.now()
	if rec.elem != nil {
		r.order.MoveToFront(rec.elem)
	}
	return acks
}

// forget drops rec, so that a redelivery runs again (its reply failed for
// good, or was dropped from the outbox); the buffer ids that had joined it
// stay unacknowledged.
func (r *receipts) forget(rec *receipt) {
	if rec == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.acks = nil
	r.remove(rec)
}

// len is the number of deliveries recorded.
func (r *receipts) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.order.Len()
}

// evict drops the least recently changed deliveries past the count bound,
// and answered ones older than the age bound. Called with r.mu held.
func (r *receipts) evict(now time.Time) {
	for {
		back := r.order.Back()
		if back == nil {
			return
		}
		rec := back.Value.(*receipt)
		over := r.max > 0 && r.order.Len() > r.max
		old := r.ttl > 0 && rec.state == receiptAnswered && now.Sub(rec.changed) > r.ttl
		if !over && !old {
			return
		}
		r.remove(rec)
	}
}

// remove unlinks rec. Called with r.mu held.
func (r *receipts) remove(rec *receipt) {
	if rec.elem == nil {
		return
	}
	r.order.Remove(rec.elem)
	rec.elem = nil
	for _, k := range rec.keys {
		if r.byKey[k] == rec {
			delete(r.byKey, k)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

package runtime

import (
	"context"
	"errors"
	"time"
)

// Observer is told about each call a tenant serves, for metrics. It must
// be safe for concurrent use and return quickly: it runs on the call's
// goroutine. Secret reads and egress decisions reach an [AuditSink]
// instead; live and idle instances are read with [Fleet.Instances].
type Observer interface {
	ObserveCall(CallEvent)
}

// CallEvent is one finished call. It holds no input, output or secret.
type CallEvent struct {
	// Profile is the profile's name.
	Profile string
	// Call is "handle" for a handler turn, "tool" for a tool call
	// (including one a handler made).
	Call string
	// Outcome is "ok", "tool_error", "unknown_tool", "internal", or the
	// [ErrorKind] of a call the host stopped ("timeout", "trap", ...).
	Outcome string
	// Duration is how long the call took.
	Duration time.Duration
}

// Call names of CallEvent.
const (
	CallHandle = "handle"
	CallTool   = "tool"
)

// outcomeOf classifies a call's error for a CallEvent.
func outcomeOf(err error) string {
	var ce *CallError
	var te *ToolError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ce):
		return string(ce.Kind)
	case errors.As(err, &te):
		return "tool_error"
	case errors.Is(err, ErrUnknownTool):
		return "unknown_tool"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return string(KindInterrupted)
	}
	return "internal"
}

// observe reports a finished call to the engine's observer, if any.
func (t *Tenant) observe(call string, start time.Time, err error) {
	if t.e.observer == nil || errors.Is(err, ErrRetired) {
		return
	}
	t.e.observer.ObserveCall(CallEvent{Profile: t.profile.Name, Call: call, Outcome: outcomeOf(err), Duration: time.Since(start)})
}

// InstanceCounts are a profile's instances at one moment.
type InstanceCounts struct {
	// Live are running a call; Idle are pooled for reuse.
	Live, Idle int
}

// Instances calls fn with the instance counts of every served profile,
// in no particular order. It holds the pool's lock for one pass.
func (f *Fleet) Instances(fn func(profile string, c InstanceCounts)) {
	f.mu.RLock()
	tenants := make([]*Tenant, 0, len(f.tenants))
	for _, t := range f.tenants {
		tenants = append(tenants, t)
	}
	f.mu.RUnlock()
	mods := make([][]*tenantModule, len(tenants))
	for i, t := range tenants {
		t.handlerMu.Lock()
		for _, tm := range t.modules {
			mods[i] = append(mods[i], tm)
		}
		if h := t.handler; h != nil && t.modules[h.cfg.Name] != h {
			mods[i] = append(mods[i], h)
		}
		t.handlerMu.Unlock()
	}
	counts := make([]InstanceCounts, len(tenants))
	f.e.pool.mu.Lock()
	for i := range tenants {
		for _, tm := range mods[i] {
			counts[i].Idle += len(tm.idle)
		}
	}
	f.e.pool.mu.Unlock()
	for i, t := range tenants {
		counts[i].Live = int(t.live.Load())
		fn(t.profile.Name, counts[i])
	}
}

package suite

// This file holds the suite engine's log and audit sinks, which look for
// synthetic secret values and count records.

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/wasmgw/wasmgw/runtime"
)

// logWatcher is the suite engine's log destination: it looks for synthetic
// values in every record, counts records holding registered texts and lets
// a row wait for a guest's progress without sleeping.
type logWatcher struct {
	mu       sync.Mutex
	values   []string
	leaks    int
	counters map[string]int
	waiters  []logWaiter
}

type logWaiter struct {
	text string
	ch   chan struct{}
}

// Write implements io.Writer; the slog handler writes one record per call.
func (w *logWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range w.values {
		if bytes.Contains(p, []byte(v)) {
			w.leaks++
			break
		}
	}
	for k := range w.counters {
		if bytes.Contains(p, []byte(k)) {
			w.counters[k]++
		}
	}
	kept := w.waiters[:0]
	for _, wt := range w.waiters {
		if bytes.Contains(p, []byte(wt.text)) {
			close(wt.ch)
		} else {
			kept = append(kept, wt)
		}
	}
	w.waiters = kept
	return len(p), nil
}

// watch starts counting the records that contain each text.
func (w *logWatcher) watch(texts ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range texts {
		if _, ok := w.counters[t]; !ok {
			w.counters[t] = 0
		}
	}
}

func (w *logWatcher) count(text string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counters[text]
}

func (w *logWatcher) leakCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.leaks
}

// seen returns a channel closed once a record containing text is written.
func (w *logWatcher) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	w.waiters = append(w.waiters, logWaiter{text, ch})
	return ch
}

// auditSink is the suite engine's audit sink: it counts records by key
// (bounded: a flood asks one name many times) and looks for synthetic
// values in every field a guest can influence.
type auditSink struct {
	mu     sync.Mutex
	values []string
	leaks  int
	counts map[auditKey]int
}

type auditKey struct {
	kind, profile, module, name string
	outcome                     runtime.Outcome
}

// Audit implements runtime.AuditSink.
func (a *auditSink) Audit(r runtime.AuditRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range a.values {
		if strings.Contains(r.Name, v) || strings.Contains(r.Host, v) || strings.Contains(r.Reason, v) {
			a.leaks++
			break
		}
	}
	a.counts[auditKey{r.Kind, r.Profile, r.Module, r.Name, r.Outcome}]++
}

func (a *auditSink) leakCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.leaks
}

// count returns how many records matched; empty fields match anything.
func (a *auditSink) count(k auditKey) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for key, c := range a.counts {
		if (k.kind == "*" || key.kind == k.kind) && key.profile == k.profile && (k.module == "" || key.module == k.module) &&
			(k.name == "" || key.name == k.name) && (k.outcome == "" || key.outcome == k.outcome) {
			n += c
		}
	}
	return n
}

// outcomes returns the outcomes recorded for a secret read, sorted.
func (a *auditSink) outcomes(profile, module, name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for key := range a.counts {
		if key.kind == "" && key.profile == profile && key.module == module && key.name == name {
			out = append(out, string(key.outcome))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

var _ io.Writer = (*logWatcher)(nil) // the engine's slog handler writes to it

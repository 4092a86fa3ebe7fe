package suite

// This file holds what the suite observes of an attack: the observation, its
// summary, and the helpers that call a tool and observe the result.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// observation is what the suite saw of one attack. A row's verdict is a
// pure function of its target's limits and its observation, so that a test
// can feed a row the observation of a sandbox that failed and see it fail.
type observation struct {
	// Setup is set when the attack could not be prepared or run.
	Setup string
	// Kind is "" when the call succeeded, else a runtime.ErrorKind
	// ("timeout", ...), "tool_error", "refused" (a module refused at load)
	// or "error".
	Kind string
	// Error is the call's error text (as the host redacted it).
	Error string
	// Output is the call's output (as the host redacted it), clipped.
	Output string
	// Codes are host function results (or WASI errnos) the guest reported.
	Codes map[string]int64
	// Facts are named things the suite checked on the host side.
	Facts map[string]string
	// Leaks names the channels where a synthetic secret value appeared.
	Leaks []string
	// Took is the attack's wall time (for interrupts: from the cancel).
	Took time.Duration
	// Neighbour is the error of the benign profile's call after the
	// attack ("" when it answered correctly).
	Neighbour string
	// Recovery is the error of the attacker's next ordinary call ("" when
	// it succeeded, or when the row does not check it).
	Recovery string
}

func (o *observation) fact(k, v string) {
	if o.Facts == nil {
		o.Facts = map[string]string{}
	}
	o.Facts[k] = v
}

// summary renders an observation for the report's "observed" column.
func (o observation) summary() string {
	var parts []string
	switch {
	case o.Setup != "":
		parts = append(parts, "could not run: "+clipText(o.Setup, 300))
	case o.Kind != "":
		parts = append(parts, o.Kind+": "+clipText(o.Error, 200))
	case len(o.Codes) == 0 && o.Output != "":
		parts = append(parts, "ok: "+clipText(o.Output, 160))
	default:
		parts = append(parts, "ok")
	}
	if len(o.Codes) > 0 {
		parts = append(parts, "codes "+joinSorted(o.Codes))
	}
	if len(o.Facts) > 0 {
		parts = append(parts, joinSorted(o.Facts))
	}
	if len(o.Leaks) > 0 {
		parts = append(parts, "LEAKED through "+strings.Join(o.Leaks, ", "))
	}
	if o.Neighbour != "" {
		parts = append(parts, "neighbour failed: "+clipText(o.Neighbour, 200))
	}
	if o.Recovery != "" {
		parts = append(parts, "attacker did not recover: "+clipText(o.Recovery, 200))
	}
	return strings.Join(parts, "; ")
}

func joinSorted[V any](m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%v", k, m[k])
	}
	return b.String()
}

func clipText(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// leaks returns the channel name when text holds a synthetic value.
func (s *suite) leaks(channel, text string) []string {
	for _, v := range s.values {
		if strings.Contains(text, v) {
			s.mu.Lock()
			s.outLeaks++
			s.mu.Unlock()
			return []string{channel}
		}
	}
	return nil
}

// observe turns a call's result into an observation.
func (s *suite) observe(out []byte, err error, took time.Duration) observation {
	o := observation{Took: took}
	if err != nil {
		o.Error = err.Error()
		var ce *runtime.CallError
		var te *runtime.ToolError
		switch {
		case errors.As(err, &ce):
			o.Kind = string(ce.Kind)
		case errors.As(err, &te):
			o.Kind = "tool_error"
		default:
			o.Kind = "error"
		}
	}
	o.Output = clipText(string(out), 4096)
	o.Leaks = append(s.leaks("output", string(out)), s.leaks("error", o.Error)...)
	return o
}

// call calls a tool of a suite profile and observes the result.
func (s *suite) call(ctx context.Context, profile, tool string, input any) observation {
	t, err := s.tenant(ctx, profile)
	if err != nil {
		return observation{Setup: err.Error()}
	}
	in, _ := json.Marshal(input)
	start := time.Now()
	out, err := t.CallTool(ctx, tool, in)
	return s.observe(out, err, time.Since(start))
}

// decode decodes a successful call's output into v; false (with Setup
// set) when the output is not what the tool returns.
func decode(o *observation, v any) bool {
	if o.Kind != "" || o.Setup != "" {
		return false
	}
	if err := json.Unmarshal([]byte(o.Output), v); err != nil {
		o.Setup = fmt.Sprintf("unexpected output %q: %v", clipText(o.Output, 100), err)
		return false
	}
	return true
}

// recovery checks that the attacker's profile serves an ordinary call
// after an attack (the failed instance was discarded).
func (s *suite) recovery(ctx context.Context, profile string) string {
	o := s.call(ctx, profile, "state", map[string]string{})
	switch {
	case o.Setup != "":
		return o.Setup
	case o.Kind != "":
		return o.Kind + ": " + o.Error
	}
	return ""
}

// pendingConnections accepts, without blocking, every connection waiting
// on the suite's listener and returns how many there were. A guest that
// reached the host's network would have completed its handshake before
// its call returned, so its connection is waiting here.
func (s *suite) pendingConnections() (int, error) {
	tl, ok := s.listener.(*net.TCPListener)
	if !ok {
		return 0, errors.New("not a TCP listener")
	}
	raw, err := tl.SyscallConn()
	if err != nil {
		return 0, err
	}
	n := 0
	var aerr error
	err = raw.Control(func(fd uintptr) { n, aerr = acceptPending(int(fd)) })
	if err == nil {
		err = aerr
	}
	return n, err
}

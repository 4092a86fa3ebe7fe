package suite

// The run helpers rows share: the profiles an attack runs as, the calls
// that record what a hostile tool saw (secrets, host function codes), and
// the wrappers for attacks a limit must stop or a cancel must interrupt.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
)

func attacker(t *Target) string { return t.ID + "-attacker" }
func twin(t *Target) string     { return t.ID + "-twin" }

func tag() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "tag" + hex.EncodeToString(b)
}

// guestOutcome names the outcome a Go guest's Secret error reports.
func guestOutcome(msg string) string {
	switch {
	case msg == "":
		return "found"
	case strings.Contains(msg, "not found in this profile"):
		return "not_found"
	case strings.Contains(msg, "not granted"):
		return "denied"
	}
	return "error"
}

// readSecret runs the hostile secret tool and records what it saw.
func readSecret(ctx context.Context, s *suite, profile, name string) observation {
	o := s.call(ctx, profile, "secret", map[string]string{"name": name})
	var fp struct {
		Profile string `json:"profile"`
		Found   bool   `json:"found"`
		Error   string `json:"error"`
		SHA256  string `json:"sha256"`
	}
	if decode(&o, &fp) {
		o.fact("outcome", guestOutcome(fp.Error))
		o.fact("audited", s.audit.outcomes(profile, hostileModule, name))
		o.fact("profile_is_caller", strconv.FormatBool(fp.Profile == profile))
		if fp.Found {
			o.fact("value_is_own", strconv.FormatBool(fp.SHA256 == fingerprint(s.secrets[profile][name])))
			o.fact("value_is_neighbours", strconv.FormatBool(fp.SHA256 == fingerprint(s.secrets[neighbourProfile][name])))
		}
		// The facts say it all; the fingerprint of a synthetic value
		// would only make reports differ.
		o.Output = ""
	}
	return o
}

// codes runs a hostile tool that reports host function results.
func codes(ctx context.Context, s *suite, profile, tool string, input any) observation {
	o := s.call(ctx, profile, tool, input)
	var m map[string]int64
	if decode(&o, &m) {
		o.Codes = m
	}
	return o
}

// someCodes keeps the codes whose name starts with one of the prefixes.
func someCodes(o observation, prefixes ...string) observation {
	kept := map[string]int64{}
	for k, v := range o.Codes {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				kept[k] = v
			}
		}
	}
	if o.Codes != nil {
		o.Codes = kept
	}
	return o
}

// oobCodes runs both range-attack tools and merges their codes.
func oobCodes(ctx context.Context, s *suite, prefixes ...string) observation {
	a := codes(ctx, s, rangesProfile, "oob", nil)
	if a.Setup != "" || a.Kind != "" {
		return a
	}
	b := codes(ctx, s, rangesProfile, "oob_more", nil)
	if b.Setup != "" || b.Kind != "" {
		return b
	}
	for k, v := range b.Codes {
		a.Codes[k] = v
	}
	a.Took += b.Took
	a.Leaks = append(a.Leaks, b.Leaks...)
	return someCodes(a, prefixes...)
}

// limitRow runs an attack that a limit must stop, then checks that the
// attacker's profile serves its next call.
func limitRow(tool string, input func(l runtime.Limits) any) func(ctx context.Context, s *suite, t *Target) observation {
	return limitRowOf(attacker, tool, input)
}

// longLimitRow is limitRow on the twin profile, for a long row: it runs
// beside the others, and a call of its own (the recovery after the stop)
// into the attacker's pool while pool.hoard runs there could leave that
// row two hoarding instances to alternate between.
func longLimitRow(tool string, input func(l runtime.Limits) any) func(ctx context.Context, s *suite, t *Target) observation {
	return limitRowOf(twin, tool, input)
}

func limitRowOf(profile func(*Target) string, tool string, input func(l runtime.Limits) any) func(ctx context.Context, s *suite, t *Target) observation {
	return func(ctx context.Context, s *suite, t *Target) observation {
		var in any
		if input != nil {
			in = input(t.Limits)
		}
		o := s.call(ctx, profile(t), tool, in)
		if o.Setup == "" {
			o.Recovery = s.recovery(ctx, profile(t))
		}
		return o
	}
}

// watRow runs the attack tool of one of the WebAssembly text modules.
func watRow(module string) func(ctx context.Context, s *suite, t *Target) observation {
	return func(ctx context.Context, s *suite, t *Target) observation {
		return s.call(ctx, t.ID+"-"+module, "attack", nil)
	}
}

// handle runs the attacker's message handler (builtin:handler) on text.
func handle(ctx context.Context, s *suite, profile, text string) observation {
	t, err := s.tenant(ctx, profile)
	if err != nil {
		return observation{Setup: err.Error()}
	}
	start := time.Now()
	reply, err := t.Handle(ctx, abi.HandleRequest{SessionKey: "audit", Text: text})
	return s.observe([]byte(reply.Text), err, time.Since(start))
}

// interrupt starts a call that loops, waits until the guest says it is in
// its loop, cancels the call's context and observes how long it took to
// stop.
func interrupt(ctx context.Context, s *suite, start func(ctx context.Context, tag string) observation) observation {
	tg := tag()
	inLoop := s.log.seen(tg)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan observation, 1)
	go func() { done <- start(cctx, tg) }()
	var o observation
	select {
	case <-inLoop:
		cancelled := time.Now()
		cancel()
		o = <-done
		o.Took = time.Since(cancelled)
		o.fact("interrupted_in_loop", "true")
	case o = <-done:
		o.fact("interrupted_in_loop", "false")
	}
	if o.Setup == "" {
		o.Recovery = s.recovery(ctx, interruptProfile)
	}
	return o
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

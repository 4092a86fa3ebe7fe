package suite

// The checkers rows share: pure functions of a target's limits and one
// observation that return "" when the observation is what a contained
// attack looks like, else why it is not.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
)

func kindIs(kinds ...runtime.ErrorKind) checker {
	return func(_ runtime.Limits, o observation) string {
		for _, k := range kinds {
			if o.Kind == string(k) {
				return ""
			}
		}
		if o.Kind == "" {
			return fmt.Sprintf("the call succeeded; want it stopped with %s", joinKinds(kinds))
		}
		return fmt.Sprintf("the call failed with %s; want %s", o.Kind, joinKinds(kinds))
	}
}

func joinKinds(kinds []runtime.ErrorKind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, " or ")
}

func succeeded(_ runtime.Limits, o observation) string {
	if o.Kind != "" {
		return fmt.Sprintf("the call failed (%s: %s); want it to succeed", o.Kind, clipText(o.Error, 150))
	}
	return ""
}

// stoppedWithin: the call ended within d(limits) of its start (for an
// interrupt, of the cancel).
func stoppedWithin(d func(runtime.Limits) time.Duration, what string) checker {
	return func(l runtime.Limits, o observation) string {
		if lim := d(l); o.Took > lim {
			return fmt.Sprintf("stopped after %s, more than %s (%s)", o.Took.Round(time.Millisecond), lim, what)
		}
		return ""
	}
}

// timeoutGrace is how long past its timeout a looping guest may take to
// stop: the timer fires on time and the guest stops at its next back-edge,
// but a loaded machine delays both.
func timeoutGrace(l runtime.Limits) time.Duration { return l.Timeout + 2*time.Second + l.Timeout/4 }

const interruptBound = 2 * time.Second

func errorContains(texts ...string) checker {
	return func(_ runtime.Limits, o observation) string {
		for _, t := range texts {
			if !strings.Contains(o.Error, t) {
				return fmt.Sprintf("the error does not say %q", t)
			}
		}
		return ""
	}
}

func factIs(key, want string) checker {
	return func(_ runtime.Limits, o observation) string {
		if got, ok := o.Facts[key]; !ok || got != want {
			if !ok {
				got = "(missing)"
			}
			return fmt.Sprintf("%s = %s, want %s", key, got, want)
		}
		return ""
	}
}

func factAtLeast(key string, n int) checker {
	return func(_ runtime.Limits, o observation) string {
		v, err := strconv.Atoi(o.Facts[key])
		if err != nil || v < n {
			return fmt.Sprintf("%s = %q, want at least %d", key, o.Facts[key], n)
		}
		return ""
	}
}

// positive marks a code that must be a size (> 0) rather than a given value.
const positive = int64(1) << 40

// nonzero marks a WASI errno that must be an error (not 0).
const nonzero = int64(1) << 41

func codesAre(want map[string]int64) checker {
	return func(_ runtime.Limits, o observation) string {
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w := want[k]
			got, ok := o.Codes[k]
			switch {
			case !ok:
				return fmt.Sprintf("%s was not reported", k)
			case w == positive && got <= 0:
				return fmt.Sprintf("%s = %d, want a size > 0", k, got)
			case w == nonzero && got == 0:
				return fmt.Sprintf("%s = 0 (success), want an errno", k)
			case w != positive && w != nonzero && got != w:
				return fmt.Sprintf("%s = %d (%s), want %d (%s)", k, got, abi.ErrorName(int32(got)), w, abi.ErrorName(int32(w)))
			}
		}
		return ""
	}
}

func custom(f func(l runtime.Limits, o observation) string) checker { return f }

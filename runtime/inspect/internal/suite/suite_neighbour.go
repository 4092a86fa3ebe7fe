package suite

// This file holds the benign neighbour loop: a profile called throughout the
// run whose latency and correctness the suite reports.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// neighbourLoop calls the benign profile in a loop while the suite runs and
// records each call's latency and correctness.
type neighbourLoop struct {
	stop, done chan struct{}
	start      time.Time
	mu         sync.Mutex
	end        time.Time
	lat        []time.Duration
	fails      int
	errs       []string
}

// neighbourPace spaces the benign calls so that the loop measures latency
// under attack without taking a core of its own. A call's latency is
// measured from the tick that scheduled it, so time spent waiting for a
// thread (while looping guests hold them) counts.
const neighbourPace = 2 * time.Millisecond

// checkNeighbour loads the benign profile (once) and makes one call on it,
// returning its tenant and the call's error.
func (s *suite) checkNeighbour(ctx context.Context) (*runtime.Tenant, error) {
	t, err := s.tenant(ctx, neighbourProfile)
	if err != nil {
		return nil, err
	}
	return t, s.neighbourCall(ctx, t)
}

// neighbourCall makes one benign call and checks its answer.
func (s *suite) neighbourCall(ctx context.Context, t *runtime.Tenant) error {
	out, err := t.CallTool(ctx, "whoami", nil)
	if err != nil {
		return err
	}
	var id struct {
		Profile   string `json:"profile"`
		KeySHA256 string `json:"key_sha256"`
	}
	if err := json.Unmarshal(out, &id); err != nil {
		return fmt.Errorf("whoami answered %q: %w", clipText(string(out), 100), err)
	}
	if id.Profile != neighbourProfile || id.KeySHA256 != fingerprint(s.secrets[neighbourProfile]["OPENAI_API_KEY"]) {
		return fmt.Errorf("whoami answered for profile %q with key fingerprint %.12s, want %q with its own key", id.Profile, id.KeySHA256, neighbourProfile)
	}
	return nil
}

// startNeighbour opens the benign profile and makes one call not counted
// (its load and first instance are not the attacks' doing), then calls it
// every neighbourPace on its own tenant until halted: never through the
// suite's table of tenants, whose lock a row opening a hostile profile
// holds for as long as that load takes.
func (s *suite) startNeighbour(ctx context.Context) {
	n := &neighbourLoop{stop: make(chan struct{}), done: make(chan struct{})}
	s.nbr = n
	t, err := s.checkNeighbour(ctx)
	n.start = time.Now()
	if err != nil {
		n.fails, n.errs, n.end = 1, []string{clipText(err.Error(), 300)}, n.start
		n.lat = []time.Duration{0}
		close(n.done)
		return
	}
	go func() {
		defer close(n.done)
		defer func() {
			n.mu.Lock()
			n.end = time.Now()
			n.mu.Unlock()
		}()
		tick := time.NewTicker(neighbourPace)
		defer tick.Stop()
		for {
			var due time.Time
			select {
			case <-n.stop:
				return
			case <-ctx.Done():
				return
			case due = <-tick.C:
			}
			err := s.neighbourCall(ctx, t)
			d := time.Since(due)
			n.mu.Lock()
			n.lat = append(n.lat, d)
			if err != nil {
				n.fails++
				if len(n.errs) < 5 {
					n.errs = append(n.errs, clipText(err.Error(), 300))
				}
			}
			n.mu.Unlock()
		}
	}()
}

func (n *neighbourLoop) halt() {
	select {
	case <-n.stop:
	default:
		close(n.stop)
	}
	<-n.done
}

func (n *neighbourLoop) report() NeighbourReport {
	if n == nil {
		return NeighbourReport{Profile: neighbourProfile}
	}
	n.halt()
	n.mu.Lock()
	defer n.mu.Unlock()
	r := NeighbourReport{Profile: neighbourProfile, Calls: len(n.lat), Failures: n.fails, Errors: append([]string{}, n.errs...),
		PaceMS: float64(neighbourPace.Microseconds()) / 1000, DurationMS: n.end.Sub(n.start).Milliseconds()}
	if len(n.lat) > 0 {
		lat := append([]time.Duration(nil), n.lat...)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		r.P50MS = ms(lat[len(lat)/2])
		r.P99MS = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		r.MaxMS = ms(lat[len(lat)-1])
	}
	return r
}

package relay

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

func TestBackoffSchedule(t *testing.T) {
	min, max := time.Second, 30*time.Second
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30} // seconds
	for i, w := range want {
		n := i + 1
		d := w * time.Second
		lo, hi := backoffDelay(n, min, max, 0), backoffDelay(n, min, max, 1)
		if lo != d/2 || hi != d {
			t.Errorf("attempt %d: [%v, %v], want [%v, %v]", n, lo, hi, d/2, d)
		}
		for _, r := range []float64{0.25, 0.5, 0.999} {
			if got := backoffDelay(n, min, max, r); got < d/2 || got > d {
				t.Errorf("attempt %d r=%v: %v outside [%v, %v]", n, r, got, d/2, d)
			}
		}
	}
	// No overflow far out, and nonsense jitter is clamped.
	for _, n := range []int{0, 63, 64, 1000, 1 << 30} {
		if got := backoffDelay(n, min, max, 1); got > max || got <= 0 {
			t.Errorf("attempt %d: %v", n, got)
		}
	}
	if backoffDelay(1, min, max, -3) != min/2 || backoffDelay(1, min, max, 7) != min {
		t.Error("jitter not clamped")
	}
}

func TestBackoffResetRule(t *testing.T) {
	b := backoff{min: time.Second, max: 30 * time.Second}
	for i := 0; i < 7; i++ {
		b.next(1)
	}
	if got := b.next(1); got != 30*time.Second || b.attempt != 8 {
		t.Fatalf("crash loop: %v at attempt %d", got, b.attempt)
	}
	t0 := time.Unix(1000, 0)
	after := defaultStableAfter
	if stableFor(time.Time{}, t0.Add(time.Hour), after) {
		t.Fatal("a connection without a descriptor is never stable")
	}
	if stableFor(t0, t0.Add(after-time.Millisecond), after) {
		t.Fatal("stable too early")
	}
	if !stableFor(t0, t0.Add(after), after) {
		t.Fatal("not stable after StableAfter")
	}
	b.reset()
	if got := b.next(1); got != time.Second || b.attempt != 1 {
		t.Fatalf("after reset: %v at attempt %d", got, b.attempt)
	}
}

func TestDefaultGatewayIDUsesHostname(t *testing.T) {
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Write([]byte(`{"secretIssued": false}`))
	}))
	defer srv.Close()
	cfg := Config{URL: srv.URL, AccessToken: "tok", Identities: []Identity{{Platform: "relay"}}}
	if _, ok := Provision(t.Context(), cfg, nil, slog.New(slog.DiscardHandler)); ok {
		t.Fatal("credentials from secretIssued false")
	}
	if want := defaultGatewayID(); body["gatewayId"] != want {
		t.Fatalf("gatewayId %v, want %s", body["gatewayId"], want)
	}
	if got := gatewayIDFromHost(func() (string, error) { return " box-7 ", nil }); got != "gw-box-7" {
		t.Fatalf("from a padded host name: %s", got)
	}
	if got := gatewayIDFromHost(func() (string, error) { return "", errors.New("no host") }); got != "gw-wasmgw" {
		t.Fatalf("fallback %s", got)
	}
}

func TestChatMemoryBounded(t *testing.T) {
	m := chatMemory{max: 4}
	for _, c := range []string{"a", "b", "c"} {
		m.remember(Source{Platform: "p", ChatID: c, UserID: "u-" + c})
	}
	if m.lookup("p", "a")[wire.MetaUserID] != nil {
		t.Fatal("the oldest chat was kept beyond the bound")
	}
	if m.lookup("p", "c")[wire.MetaUserID] != "u-c" || m.lookup("", "c")[wire.MetaUserID] != "u-c" {
		t.Fatal("the newest chat was lost")
	}
}

package metrics

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// TestProfileLabelsAreBounded: with 10,000 profiles and a bound of 5, the
// call series carry 6 profile labels (5 names and "_other"), whatever the
// traffic.
func TestProfileLabelsAreBounded(t *testing.T) {
	t.Parallel()
	m := New(5)
	names := make([]string, 10000)
	for i := range names {
		names[i] = fmt.Sprintf("p%05d", i)
	}
	m.labels.seed(names)
	for _, n := range names {
		m.ObserveCall(runtime.CallEvent{Profile: n, Call: runtime.CallHandle, Outcome: "ok", Duration: time.Millisecond})
		m.Audit(runtime.AuditRecord{Profile: n, Name: "SOME_SECRET", Outcome: runtime.OutcomeGranted})
	}
	n, other := series(t, m, "wasmgw_calls_total", map[string]string{"profile": OtherProfile})
	if n != 6 || other != 9995 {
		t.Errorf("%d call series, _other counted %v; want 6 and 9995", n, other)
	}
	if n, _ := series(t, m, "wasmgw_secret_reads_total", nil); n != 6 {
		t.Errorf("%d secret series, want 6", n)
	}
	// An unknown outcome word never becomes a label value.
	m.Audit(runtime.AuditRecord{Profile: "p00000", Kind: "egress", Outcome: runtime.Outcome("sk-looks-like-a-value")})
	rec := httptest.NewRecorder()
	m.Handler(func() error { return nil }).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body := rec.Body.String(); strings.Contains(body, "sk-looks") || strings.Contains(body, "SOME_SECRET") {
		t.Error("a record's free text reached /metrics")
	}
}

// TestNoProfileLabels: a bound of 0 sums every profile under "_other".
func TestNoProfileLabels(t *testing.T) {
	t.Parallel()
	m := New(0)
	m.labels.seed([]string{"a", "b"})
	m.ObserveCall(runtime.CallEvent{Profile: "a", Call: runtime.CallTool, Outcome: "trap"})
	if n, v := series(t, m, "wasmgw_calls_total", map[string]string{"profile": OtherProfile, "outcome": "trap"}); n != 1 || v != 1 {
		t.Errorf("%d series, value %v", n, v)
	}
}

// TestReadyNeedsFleetAndRelay: not ready before the fleet is set.
func TestReadyNeedsFleetAndRelay(t *testing.T) {
	t.Parallel()
	m := New(1)
	if err := m.Ready(); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("Ready() = %v", err)
	}
	rec := httptest.NewRecorder()
	m.Handler(m.Ready).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Errorf("/readyz %d", rec.Code)
	}
}

// series counts the series of a family and returns the value of the one
// whose labels include all of want.
func series(t *testing.T, m *Metrics, family string, want map[string]string) (int, float64) {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n, v := 0, -1.0
	for _, f := range fams {
		if f.GetName() != family {
			continue
		}
		for _, mt := range f.GetMetric() {
			n++
			match := 0
			for _, l := range mt.GetLabel() {
				if want[l.GetName()] == l.GetValue() {
					match++
				}
			}
			if match == len(want) {
				v = mt.GetCounter().GetValue()
			}
		}
	}
	return n, v
}

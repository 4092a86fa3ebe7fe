// Package metrics is the gateway's Prometheus instrumentation: per-profile
// call, secret and egress counters fed by the runtime's Observer and audit
// records, gateway traffic read from the relay's Stats at scrape time, and
// the /metrics, /healthz and /readyz endpoints.
//
// Every series lives in a private registry. No label carries a secret, a
// secret's value or a secret's name: profile names, call kinds and fixed
// outcome words only. With thousands of profiles, only the first
// MaxProfileLabels profiles get their own profile label; the others are
// counted together under profile="_other".
package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/runtime"
)

// OtherProfile is the profile label of the profiles beyond the bound.
const OtherProfile = "_other"

// DefaultMaxProfileLabels is how many profiles get their own label by
// default.
const DefaultMaxProfileLabels = 100

// Metrics holds the gateway's series. It implements [runtime.Observer] and
// [runtime.AuditSink]. The zero value is not usable: call New.
type Metrics struct {
	reg    *prometheus.Registry
	labels *profileLabels
	d      descs

	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	secrets *prometheus.CounterVec
	egress  *prometheus.CounterVec

	reloads        *prometheus.CounterVec
	reloadRefused  prometheus.Counter
	reloadDuration prometheus.Gauge

	connected  prometheus.Gauge
	reconnects prometheus.Counter
	handshakes atomic.Uint64
	up         atomic.Bool

	mu      sync.Mutex
	fleet   *runtime.Fleet
	gateway func() relay.GatewayStats
}

// New returns the gateway's metrics in a new registry, with at most
// maxProfileLabels profiles labelled by name (0: none; every profile is
// counted under "_other").
func New(maxProfileLabels int) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), labels: newProfileLabels(maxProfileLabels), d: newDescs()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmgw_calls_total",
		Help: `Calls served: call is "handle" (a turn) or "tool"; outcome is "ok", "tool_error", "unknown_tool", "internal", or why the host stopped the call ("timeout", "interrupted", "out_of_memory", "output_too_large", "host_call_budget", "trap", "exit", "bad_module").`,
	}, []string{"profile", "call", "outcome"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "wasmgw_call_duration_seconds",
		Help:    "How long calls took, whatever their outcome.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"profile", "call"})
	m.secrets = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmgw_secret_reads_total",
		Help: `Secret reads by guests: outcome is "granted", "denied", "not_found" or "invalid". No secret name or value is recorded.`,
	}, []string{"profile", "outcome"})
	m.egress = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmgw_egress_requests_total",
		Help: `Egress decisions on guests' http_fetch: outcome is "allowed" or "refused".`,
	}, []string{"profile", "outcome"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmgw_reloads_total",
		Help: `Reloads of the home (SIGHUP or --watch): result is "ok" (every profile's config applied), "partial" (some profile's new config refused) or "failed" (the home could not be read; nothing changed).`,
	}, []string{"result"})
	m.reloadRefused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wasmgw_reload_refused_profiles_total",
		Help: "Profile configs a reload refused (the profile stays on its previous config, or is not served if it had none).",
	})
	m.reloadDuration = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wasmgw_reload_duration_seconds",
		Help: "How long the last reload took.",
	})
	m.connected = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wasmgw_relay_connected",
		Help: "1 while the relay connection to the connector is handshaken, else 0.",
	})
	m.reconnects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wasmgw_relay_reconnects_total",
		Help: "Handshakes with the connector after the first one.",
	})
	m.reg.MustRegister(m.calls, m.latency, m.secrets, m.egress,
		m.reloads, m.reloadRefused, m.reloadDuration, m.connected, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&fleetCollector{m: m}, &gatewayCollector{m: m})
	return m
}

// Registry returns the private registry the series live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetFleet sets the fleet whose profiles and instances are reported, and
// gives the first profiles (sorted) their labels.
func (m *Metrics) SetFleet(f *runtime.Fleet) {
	m.mu.Lock()
	m.fleet = f
	m.mu.Unlock()
	if f != nil {
		m.labels.seed(f.Names())
	}
}

// SetGateway sets where gateway traffic is read from at scrape time.
func (m *Metrics) SetGateway(stats func() relay.GatewayStats) {
	m.mu.Lock()
	m.gateway = stats
	m.mu.Unlock()
}

func (m *Metrics) sources() (*runtime.Fleet, func() relay.GatewayStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fleet, m.gateway
}

// ObserveCall implements [runtime.Observer].
func (m *Metrics) ObserveCall(ev runtime.CallEvent) {
	p := m.labels.label(ev.Profile)
	m.calls.WithLabelValues(p, ev.Call, ev.Outcome).Inc()
	m.latency.WithLabelValues(p, ev.Call).Observe(ev.Duration.Seconds())
}

// Audit implements [runtime.AuditSink]: secret reads and egress decisions
// are counted by outcome. The record's name, host and reason are not used.
func (m *Metrics) Audit(r runtime.AuditRecord) {
	if r.Profile == "" {
		return // a describe instance: bound to no profile
	}
	switch r.Kind {
	case "":
		m.secrets.WithLabelValues(m.labels.label(r.Profile), outcomeWord(r.Outcome)).Inc()
	case "egress":
		m.egress.WithLabelValues(m.labels.label(r.Profile), outcomeWord(r.Outcome)).Inc()
	}
}

// outcomeWord keeps the outcome label to the runtime's fixed words.
func outcomeWord(o runtime.Outcome) string {
	switch o {
	case runtime.OutcomeGranted, runtime.OutcomeDenied, runtime.OutcomeNotFound, runtime.OutcomeInvalid,
		runtime.OutcomeAllowed, runtime.OutcomeRefused:
		return string(o)
	}
	return "other"
}

// Reloaded records a reload: its report, or err when the home could not
// be read.
func (m *Metrics) Reloaded(rep runtime.ReloadReport, err error) {
	switch {
	case err != nil:
		m.reloads.WithLabelValues("failed").Inc()
		return
	case len(rep.Refused) > 0:
		m.reloads.WithLabelValues("partial").Inc()
	default:
		m.reloads.WithLabelValues("ok").Inc()
	}
	m.reloadRefused.Add(float64(len(rep.Refused)))
	m.reloadDuration.Set(rep.Took.Seconds())
	m.labels.seed(rep.Added)
}

// RelayState records a relay connection state change; chain it into
// [relay.ClientOptions.OnState].
func (m *Metrics) RelayState(s relay.State) {
	switch s {
	case relay.StateHandshaken:
		m.connected.Set(1)
		m.up.Store(true)
		if m.handshakes.Add(1) > 1 {
			m.reconnects.Inc()
		}
	case relay.StateDisconnected, relay.StateDisabled:
		m.connected.Set(0)
		m.up.Store(false)
	}
}

// Connected reports whether the relay connection is handshaken.
func (m *Metrics) Connected() bool { return m.up.Load() }

// profileLabels decides which profiles get their own label: the first max
// seen (the fleet's names, sorted, at start; profiles added by reloads
// next). The set only grows, so a profile's series never changes label
// within a process.
type profileLabels struct {
	max int
	mu  sync.RWMutex
	set map[string]bool
}

func newProfileLabels(max int) *profileLabels {
	return &profileLabels{max: max, set: map[string]bool{}}
}

func (l *profileLabels) seed(names []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range names {
		if len(l.set) >= l.max {
			return
		}
		l.set[n] = true
	}
}

func (l *profileLabels) label(name string) string {
	l.mu.RLock()
	ok := l.set[name]
	l.mu.RUnlock()
	if ok {
		return name
	}
	return OtherProfile
}

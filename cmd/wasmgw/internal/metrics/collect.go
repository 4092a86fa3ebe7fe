package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmgw/wasmgw/runtime"
)

// descs are the descriptions of the series collected at scrape time.
type descs struct {
	descInstances, descProfiles, descInbound, descOutbound, descAcks, descSessions, descQueued, descInFlight *prometheus.Desc
	descCreated, descReused, descClosed, descPoolBytes, descPoolLimit                                        *prometheus.Desc
}

func newDescs() descs {
	return descs{
		descInstances: prometheus.NewDesc("wasmgw_instances",
			`Instances of a profile's modules: state is "live" (running a call) or "idle" (pooled for reuse).`,
			[]string{"profile", "state"}, nil),
		descProfiles: prometheus.NewDesc("wasmgw_profiles",
			`Profiles of the fleet: state is "served" or "failed" (its config could not be loaded).`,
			[]string{"state"}, nil),
		descCreated: prometheus.NewDesc("wasmgw_instances_created_total",
			"Instances created to serve calls. A fresh instance costs milliseconds where a pooled one costs microseconds: if this keeps rising under steady traffic while wasmgw_instances_closed_total{reason=\"evicted\"} does too, the pool is smaller than the active profiles need (--pool-memory).",
			nil, nil),
		descReused: prometheus.NewDesc("wasmgw_instances_reused_total",
			"Calls served by an idle instance from the pool.", nil, nil),
		descClosed: prometheus.NewDesc("wasmgw_instances_closed_total",
			`Instances closed: reason is "evicted" (a pool bound or the idle timeout), "discarded" (after a failed call: trap, timeout, interrupt, exit, out of memory) or "retired" (idle when its profile's .env changed).`,
			[]string{"reason"}, nil),
		descPoolBytes: prometheus.NewDesc("wasmgw_pool_idle_bytes",
			"Linear memory held by the instances kept for reuse, across profiles.", nil, nil),
		descPoolLimit: prometheus.NewDesc("wasmgw_pool_idle_bytes_limit",
			"The bound on wasmgw_pool_idle_bytes (--pool-memory); past it the least recently used instances are closed.", nil, nil),

		descInbound: prometheus.NewDesc("wasmgw_relay_inbound_total",
			`Inbound messages from the connector: outcome is "accepted" (queued for a profile), "dropped" (no served profile: acknowledged, not answered) or "busy" (its session's queue was full).`,
			[]string{"outcome"}, nil),
		descOutbound: prometheus.NewDesc("wasmgw_relay_outbound_total",
			`Send actions to the connector: outcome is "sent" (accepted) or "failed" (not handed off, or refused).`,
			[]string{"outcome"}, nil),
		descAcks: prometheus.NewDesc("wasmgw_relay_acks_total",
			`inbound_acks to the connector: outcome is "sent" or "failed" (the connector delivers the message again).`,
			[]string{"outcome"}, nil),
		descSessions: prometheus.NewDesc("wasmgw_relay_sessions",
			"Conversations with a queued or running turn.", nil, nil),
		descQueued: prometheus.NewDesc("wasmgw_relay_queued_messages",
			"Messages waiting in their session's queue, across sessions.", nil, nil),
		descInFlight: prometheus.NewDesc("wasmgw_relay_turns_in_flight",
			"Accepted messages whose turn has not finished (queued or running).", nil, nil),
	}
}

// fleetCollector reports profiles, instances and the instance pool at
// scrape time.
type fleetCollector struct{ m *Metrics }

// Describe implements prometheus.Collector.
func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.m.d.descInstances, c.m.d.descProfiles, c.m.d.descCreated, c.m.d.descReused, c.m.d.descClosed, c.m.d.descPoolBytes, c.m.d.descPoolLimit} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: instance counts summed by
// profile label (so the profiles beyond the bound add up under "_other").
func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	f, _ := c.m.sources()
	if f == nil {
		return
	}
	type pair struct{ live, idle int }
	sums := map[string]*pair{}
	f.Instances(func(profile string, n runtime.InstanceCounts) {
		l := c.m.labels.label(profile)
		p := sums[l]
		if p == nil {
			p = &pair{}
			sums[l] = p
		}
		p.live += n.Live
		p.idle += n.Idle
	})
	for l, p := range sums {
		ch <- prometheus.MustNewConstMetric(c.m.d.descInstances, prometheus.GaugeValue, float64(p.live), l, "live")
		ch <- prometheus.MustNewConstMetric(c.m.d.descInstances, prometheus.GaugeValue, float64(p.idle), l, "idle")
	}
	ch <- prometheus.MustNewConstMetric(c.m.d.descProfiles, prometheus.GaugeValue, float64(len(f.Names())), "served")
	ch <- prometheus.MustNewConstMetric(c.m.d.descProfiles, prometheus.GaugeValue, float64(len(f.Failed())), "failed")
	st := f.PoolStats()
	ch <- prometheus.MustNewConstMetric(c.m.d.descCreated, prometheus.CounterValue, float64(st.Created))
	ch <- prometheus.MustNewConstMetric(c.m.d.descReused, prometheus.CounterValue, float64(st.Reused))
	for _, r := range []struct {
		reason string
		n      uint64
	}{{"evicted", st.Evicted}, {"discarded", st.Discarded}, {"retired", st.Retired}} {
		ch <- prometheus.MustNewConstMetric(c.m.d.descClosed, prometheus.CounterValue, float64(r.n), r.reason)
	}
	ch <- prometheus.MustNewConstMetric(c.m.d.descPoolBytes, prometheus.GaugeValue, float64(st.IdleBytes))
	ch <- prometheus.MustNewConstMetric(c.m.d.descPoolLimit, prometheus.GaugeValue, float64(st.MaxIdleBytes))
}

// gatewayCollector reports the gateway's traffic and load at scrape time.
type gatewayCollector struct{ m *Metrics }

// Describe implements prometheus.Collector.
func (c *gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.m.d.descInbound, c.m.d.descOutbound, c.m.d.descAcks, c.m.d.descSessions, c.m.d.descQueued, c.m.d.descInFlight} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	_, stats := c.m.sources()
	if stats == nil {
		return
	}
	st := stats()
	counter := func(d *prometheus.Desc, v uint64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), label)
	}
	counter(c.m.d.descInbound, st.InboundAccepted, "accepted")
	counter(c.m.d.descInbound, st.InboundDropped, "dropped")
	counter(c.m.d.descInbound, st.InboundBusy, "busy")
	counter(c.m.d.descOutbound, st.OutboundSent, "sent")
	counter(c.m.d.descOutbound, st.OutboundFailed, "failed")
	counter(c.m.d.descAcks, st.AcksSent, "sent")
	counter(c.m.d.descAcks, st.AcksFailed, "failed")
	ch <- prometheus.MustNewConstMetric(c.m.d.descSessions, prometheus.GaugeValue, float64(st.Sessions))
	ch <- prometheus.MustNewConstMetric(c.m.d.descQueued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(c.m.d.descInFlight, prometheus.GaugeValue, float64(st.InFlight))
}

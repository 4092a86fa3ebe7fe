package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wasmgw/wasmgw/cmd/wasmgw/internal/metrics"
	"github.com/wasmgw/wasmgw/cmd/wasmgw/internal/watch"
	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/runtime"
)

// opsFlags are the operations flags of the commands that serve over the
// relay ("gateway" and "run --relay").
type opsFlags struct {
	watch         bool
	watchDebounce time.Duration
	metricsAddr   string
	profileLabels int
	// poolMemory is --pool-memory as written.
	poolMemory string
}

func (o *opsFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&o.watch, "watch", false, "reload when the home's files change (config.yaml, modules, profile directories), as on SIGHUP")
	fs.DurationVar(&o.watchDebounce, "watch-debounce", watch.DefaultDebounce, "with --watch, how long the home must be quiet before a reload")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics, /healthz and /readyz on this address, e.g. 127.0.0.1:9464 (default off)")
	fs.IntVar(&o.profileLabels, "metrics-profile-labels", metrics.DefaultMaxProfileLabels, "how many profiles get their own profile label in /metrics; the others are summed under profile=\"_other\"")
	fs.StringVar(&o.poolMemory, "pool-memory", "1GiB", "linear memory the idle instances of all profiles may keep for reuse (the least recently used are closed first); too small for the active profiles and calls pay for fresh instances: see docs/operations.md, \"Cost\"")
}

// pool returns the instance pool's bounds from --pool-memory.
func (o *opsFlags) pool() (runtime.PoolOptions, error) {
	n, err := runtime.ParseSize(o.poolMemory)
	if err != nil || n == 0 {
		return runtime.PoolOptions{}, fmt.Errorf("--pool-memory %q: want a size such as 1GiB or 4GB", o.poolMemory)
	}
	return runtime.PoolOptions{MaxIdleBytes: n}, nil
}

// ops is the operations side of a serving command: the metrics endpoint,
// and the reloads that SIGHUP and --watch ask for.
type ops struct {
	a     *app
	flags *opsFlags
	pool  runtime.PoolOptions // from --pool-memory, checked at start
	b     *booted
	m     *metrics.Metrics // nil without --metrics-addr
	srv   *metrics.Server
	// names returns the profiles to serve after a reload (nil: every
	// profile of the home).
	names func() ([]string, error)
}

// startOps creates the metrics (and starts their endpoint, so that
// /healthz answers while profiles load) before boot.
func startOps(a *app, flags *opsFlags, c *common) (*ops, error) {
	o := &ops{a: a, flags: flags}
	var err error
	if o.pool, err = flags.pool(); err != nil {
		return nil, err
	}
	if flags.metricsAddr == "" {
		return o, nil
	}
	if flags.profileLabels < 0 {
		return nil, fmt.Errorf("--metrics-profile-labels %d: want 0 or more", flags.profileLabels)
	}
	log, err := c.logger(a)
	if err != nil {
		return nil, err
	}
	o.m = metrics.New(flags.profileLabels)
	if o.srv, err = metrics.Listen(flags.metricsAddr, o.m.Handler(o.m.Ready), log); err != nil {
		return nil, err
	}
	log.Info("metrics: serving /metrics, /healthz and /readyz", "addr", o.srv.Addr())
	if host, _, err := net.SplitHostPort(o.srv.Addr()); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			log.Warn("metrics: the endpoint is not on loopback; it names profiles (tenant information): keep it on a private network", "addr", o.srv.Addr())
		}
	}
	return o, nil
}

// engineHooks returns the observer and audit sink the engine reports to.
func (o *ops) engineHooks() (runtime.Observer, runtime.AuditSink) {
	if o.m == nil {
		return nil, nil
	}
	return o.m, o.m
}

// booted records the loaded fleet.
func (o *ops) booted(b *booted) {
	o.b = b
	b.ops = o
	if o.m != nil {
		o.m.SetFleet(b.fleet)
	}
}

// gatewayOptions chains the metrics' relay state hook into opts.
func (o *ops) gatewayOptions(opts relay.GatewayOptions) relay.GatewayOptions {
	if o == nil || o.m == nil {
		return opts
	}
	prev := opts.Client.OnState
	opts.Client.OnState = func(s relay.State) {
		o.m.RelayState(s)
		if prev != nil {
			prev(s)
		}
	}
	return opts
}

// attach reports the gateway's traffic in the metrics.
func (o *ops) attach(g *relay.Gateway) {
	if o != nil && o.m != nil {
		o.m.SetGateway(g.Stats)
	}
}

// close stops the metrics endpoint.
func (o *ops) close(ctx context.Context) {
	if o.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := o.srv.Close(ctx); err != nil && o.b != nil {
		o.b.log.Warn("metrics: endpoint did not close cleanly", "error", err)
	}
}

// serveReloads reloads the fleet on each SIGHUP and, with --watch, each
// debounced change to the home's files, until ctx is done or stop is
// called; stop waits for a reload in progress, so that the fleet can be
// closed. SIGHUP never stops the process.
func (o *ops) serveReloads(ctx context.Context) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var changes <-chan struct{}
	if o.flags.watch {
		w, err := watch.Home(ctx, o.b.home.Dir(), o.flags.watchDebounce, o.b.log)
		if err != nil {
			cancel()
			return nil, err
		}
		changes = w.Reloads()
		o.b.log.Info("watching the home for changes", "home", o.b.home.Dir(), "debounce", o.flags.watchDebounce)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-o.a.hup:
				o.reload(ctx, "SIGHUP")
			case <-changes:
				o.reload(ctx, "files changed")
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// reload brings the fleet in line with the home and reports what changed:
// to the log, to the audit trail (kind "reload": each refused config with
// its error, each applied change) and to the metrics.
func (o *ops) reload(ctx context.Context, why string) {
	log := o.b.log
	log.Info("reload: reloading the home", "why", why)
	var names []string
	var err error
	if o.names != nil {
		names, err = o.names()
	}
	var rep runtime.ReloadReport
	if err == nil {
		rep, err = o.b.fleet.Reload(ctx, names, goruntime.NumCPU())
	}
	if o.m != nil {
		o.m.Reloaded(rep, err)
	}
	if err != nil {
		log.Error("reload failed; nothing changed", "error", err)
		o.audit(runtime.AuditRecord{Kind: auditKindReload, Profile: auditAllProfiles, Outcome: runtime.OutcomeRefused, Reason: err.Error()})
		return
	}
	for _, n := range sortedKeys(rep.Refused) {
		msg := "reload: new config refused; the profile is not served: fix it and reload"
		if slices.Contains(rep.Kept, n) {
			msg = "reload: new config refused; the profile keeps its previous config: fix it and reload"
		}
		log.Error(msg, "profile", n, "error", rep.Refused[n])
		o.audit(runtime.AuditRecord{Kind: auditKindReload, Profile: n, Outcome: runtime.OutcomeRefused, Reason: rep.Refused[n].Error()})
	}
	for _, c := range []struct {
		what  string
		names []string
	}{{"added", rep.Added}, {"changed", rep.Changed}, {"removed", rep.Removed}} {
		for _, n := range c.names {
			o.audit(runtime.AuditRecord{Kind: auditKindReload, Profile: n, Outcome: auditApplied, Reason: c.what})
		}
	}
	log.Info("reload: done", "added", len(rep.Added), "changed", len(rep.Changed), "removed", len(rep.Removed),
		"refused", len(rep.Refused), "unchanged", rep.Unchanged, "took", rep.Took.Round(time.Millisecond),
		"profiles", firstNames(rep.Added, rep.Changed, rep.Removed))
}

// Audit records of reloads: kind "reload", module "config.yaml" (what a
// reload reads), profile "*" for the home as a whole; "wasmgw audit log"
// lists them with the egress and other decisions.
const (
	auditKindReload                  = "reload"
	auditApplied     runtime.Outcome = "applied"
	auditAllProfiles                 = "*"
	auditReloadWhat                  = "config.yaml"
)

func (o *ops) audit(r runtime.AuditRecord) {
	if o.b.audit == nil {
		return
	}
	r.Time = time.Now()
	r.Module = auditReloadWhat
	r.Reason = oneLine(errors.New(r.Reason)) // one record, one line
	o.b.audit.Audit(r)
}

func sortedKeys(m map[string]error) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstNames lists up to ten of the names changed, for the log line.
func firstNames(lists ...[]string) string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	if len(all) > 10 {
		return strings.Join(all[:10], ",") + fmt.Sprintf(",... (%d more)", len(all)-10)
	}
	return strings.Join(all, ",")
}

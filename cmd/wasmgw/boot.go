package main

import (
	"context"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"runtime/debug"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// gatewayGCPercent is the GC percent a gateway runs with unless GOGC is set:
// instantiation produces garbage in bursts, and with thousands of profiles
// loaded the default collects far too often (see docs/performance.md).
const gatewayGCPercent = 400

// booted is a home loaded for serving: the engine, the audit sink and the
// profiles.
type booted struct {
	home   *runtime.Home
	engine *runtime.Engine
	fleet  *runtime.Fleet
	audit  *runtime.JSONLAudit
	log    *slog.Logger
	ops    *ops // metrics and reloads (ops.go); nil when not serving
	// gcPercent is the GC setting boot replaced (when gcSet).
	gcPercent int
	gcSet     bool
}

// boot loads the profiles a gateway serves (names, or every profile of the
// home), printing progress, and starts the idle-instance janitor.
func boot(ctx context.Context, a *app, c *common, names []string) (*booted, error) {
	return bootWith(ctx, a, c, names, nil)
}

// bootWith is boot reporting to o's metrics (o may be nil).
func bootWith(ctx context.Context, a *app, c *common, names []string, o *ops) (*booted, error) {
	log, err := c.logger(a)
	if err != nil {
		return nil, err
	}
	home, err := c.openHome(a)
	if err != nil {
		return nil, err
	}
	b := &booted{home: home, log: log}
	if a.getenv("GOGC") == "" {
		// The gateway's GC setting, restored by close (a test that boots a
		// gateway in-process leaves its binary's setting as it found it).
		b.gcPercent, b.gcSet = debug.SetGCPercent(gatewayGCPercent), true
	}
	if b.audit, err = runtime.OpenJSONLAudit(home.Dir() + "/logs/audit.jsonl"); err != nil {
		return nil, err
	}
	maxModule, err := c.maxModuleSize()
	if err != nil {
		b.close(ctx)
		return nil, err
	}
	var observer runtime.Observer
	var audit runtime.AuditSink = b.audit
	var pool runtime.PoolOptions
	if o != nil {
		pool = o.pool
		var counted runtime.AuditSink
		if observer, counted = o.engineHooks(); counted != nil {
			audit = runtime.TeeAudit{b.audit, counted}
		}
	}
	b.engine, err = runtime.NewEngine(ctx, runtime.Options{
		CacheDir: c.cache(a), Logger: log, Audit: audit,
		Observer: observer, MaxModuleSize: maxModule, Environ: a.environ,
		Pool: pool,
	})
	if err != nil {
		b.close(ctx)
		return nil, err
	}
	start := time.Now()
	log.Info("loading profiles", "home", home.Dir())
	b.fleet, err = runtime.OpenFleet(ctx, b.engine, home, names, goruntime.NumCPU(),
		func(done, total int, profile string, took time.Duration, err error) {
			if err != nil {
				log.Error("profile not loaded; its messages will be refused", "profile", profile, "error", err)
				return
			}
			if done == total || done%500 == 0 || took > time.Second {
				log.Info("loaded profiles", "done", done, "total", total, "last", profile, "took", took.Round(time.Millisecond))
			}
		})
	if err != nil {
		b.close(ctx)
		return nil, err
	}
	log.Info("profiles ready", "served", len(b.fleet.Names()), "failed", len(b.fleet.Failed()), "took", time.Since(start).Round(time.Millisecond))
	go b.fleet.Janitor(ctx, 30*time.Second)
	return b, nil
}

func (b *booted) close(ctx context.Context) {
	if b.gcSet {
		defer debug.SetGCPercent(b.gcPercent)
	}
	if b.fleet != nil {
		b.fleet.Close(ctx)
	}
	if b.engine != nil {
		_ = b.engine.Close(ctx)
	}
	if b.audit != nil {
		if err := b.audit.Close(); err != nil {
			b.log.Error("audit log", "error", err)
		}
	}
}

// describeFleet prints which profiles are served.
func describeFleet(b *booted) string {
	return fmt.Sprintf("serving %d profiles (%v); %d failed to load (%v)", len(b.fleet.Names()), b.fleet.Names(), len(b.fleet.Failed()), b.fleet.Failed())
}

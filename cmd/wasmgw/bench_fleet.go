package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	goruntime "runtime"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/cmd/wasmgw/internal/metrics"
	"github.com/wasmgw/wasmgw/runtime"
)

// benchFleet boots the home as "wasmgw gateway --metrics-addr" does (a
// Fleet, the engine reporting to the metrics), then reports the memory
// it holds, the cost of one scrape, and the time of reloads: with nothing
// changed, and with changed, added and removed profiles.
func benchFleet(ctx context.Context, r *benchReport, log *slog.Logger, cacheDir, dir string, n, changed int) error {
	goruntime.GC()
	base, heapBase := rss(), heapInuse()
	m := metrics.New(metrics.DefaultMaxProfileLabels)
	engine, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: cacheDir, Logger: log, Audit: m, Observer: m})
	if err != nil {
		return err
	}
	defer engine.Close(ctx)
	home, err := runtime.OpenHome(dir, runtime.NewGlobals(nil, ""))
	if err != nil {
		return err
	}
	start := time.Now()
	fleet, err := runtime.OpenFleet(ctx, engine, home, nil, goruntime.NumCPU(), nil)
	if err != nil {
		return err
	}
	defer fleet.Close(ctx)
	m.SetFleet(fleet)
	boot := time.Since(start)
	goruntime.GC()
	r.row(fmt.Sprintf("fleet boot, %d profiles, metrics on (%d CPUs)", n, goruntime.NumCPU()), boot.Round(time.Millisecond).String(), "")
	r.row("fleet memory, idle, metrics on: RSS / Go heap in use", mib(rss()-base)+" / "+mib(heapInuse()-heapBase), "")
	// Some traffic, so that the per-profile series exist (each profile
	// served keeps a handler and a whoami instance in the pool).
	served := min(n, metrics.DefaultMaxProfileLabels+10)
	for i := range served {
		if _, err := fleet.Handle(ctx, benchName(i), abi.HandleRequest{Text: "/call whoami {}"}); err != nil {
			return err
		}
	}
	goruntime.GC()
	r.row(fmt.Sprintf("  after one turn in each of %d profiles (instances pooled)", served), mib(rss()-base)+" / "+mib(heapInuse()-heapBase), "")

	h := m.Handler(m.Ready)
	s := time.Now()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	r.row("one /metrics scrape: time / size", fmt.Sprintf("%s / %.0f KiB", time.Since(s).Round(time.Microsecond), float64(rec.Body.Len())/1024), "")

	rep, err := fleet.Reload(ctx, nil, goruntime.NumCPU())
	if err != nil {
		return err
	}
	r.row(fmt.Sprintf("reload, nothing changed (%d profiles checked)", rep.Unchanged), rep.Took.Round(time.Millisecond).String(), "")

	// Change the grants of some profiles, add one and remove one.
	changed = min(changed, n-1)
	cfg := []byte("wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: []\n")
	for i := range changed {
		if err := os.WriteFile(filepath.Join(dir, "profiles", benchName(i), "config.yaml"), cfg, 0o644); err != nil {
			return err
		}
	}
	if err := writeBenchHomeOne(dir, n); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(dir, "profiles", benchName(n-1))); err != nil {
		return err
	}
	rep, err = fleet.Reload(ctx, nil, goruntime.NumCPU())
	if err != nil {
		return err
	}
	if len(rep.Changed) != changed || len(rep.Added) != 1 || len(rep.Removed) != 1 {
		return fmt.Errorf("bench reload: changed %d added %d removed %d; want %d, 1, 1", len(rep.Changed), len(rep.Added), len(rep.Removed), changed)
	}
	r.row(fmt.Sprintf("reload, %d changed + 1 added + 1 removed of %d", changed, n), rep.Took.Round(time.Millisecond).String(), "")
	return nil
}

// writeBenchHomeOne writes the bench profile number i.
func writeBenchHomeOne(dir string, i int) error {
	p := filepath.Join(dir, "profiles", benchName(i))
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(p, ".env"), fmt.Appendf(nil, "OPENAI_API_KEY=sk-test-bench-%08d\n", i), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p, "config.yaml"), []byte("wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [OPENAI_API_KEY]\n"), 0o644)
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

type benchFlags struct {
	common
	profiles  int
	active    int
	instances int
	calls     int
	warmCalls int
	relay     bool
	sessions  int
	messages  int
	rounds    int
	rate      int
	cpuProf   string
	trace     string
	fleet     bool
	changed   int
}

func benchCommand(ctx context.Context, a *app, args []string) error {
	var f benchFlags
	fs := newFlagSet("bench", "[flags]",
		`Measure this machine with the real runtime: boot a home of many idle
profiles, make some of them active, count live Go instances per GiB, time
the first call of a profile after boot, and (with --relay) push messages
through a loopback connector to the gateway and back. Profiles are written to
a temporary home with fake secrets; nothing of yours is read.`)
	f.registerOnly(fs, "warn", false, true)
	fs.IntVar(&f.profiles, "profiles", 10000, "idle profiles to boot")
	fs.IntVar(&f.active, "active", 100, "profiles to make active (one pooled instance each)")
	fs.IntVar(&f.instances, "instances", 200, "live instances to hold at once for the per-GiB figure")
	fs.IntVar(&f.calls, "calls", 2000, "calls per latency sample")
	fs.IntVar(&f.warmCalls, "warm-calls", 12000, "calls into one pooled instance before its memory is measured warm (a Go guest's heap grows until its first collections)")
	fs.BoolVar(&f.relay, "relay", true, "also measure relay-to-reply throughput and latency over loopback")
	fs.IntVar(&f.sessions, "sessions", 200, "relay: concurrent sessions")
	fs.IntVar(&f.messages, "messages", 20000, "relay: messages to send")
	fs.IntVar(&f.rounds, "rounds", 4, "relay: rounds of --messages; the pools grow during the first, the last is reported as the steady state")
	fs.IntVar(&f.rate, "rate", 5000, "relay: also measure latency with messages sent at this rate per second (0: skip)")
	fs.BoolVar(&f.fleet, "fleet", true, "also boot the profiles as a gateway fleet with metrics on: its memory, one scrape, and reload times")
	fs.IntVar(&f.changed, "reload-changed", 100, "fleet: profiles whose config changes before the timed reload")
	fs.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	fs.StringVar(&f.trace, "trace", "", "write a runtime execution trace of the whole run to this file (go tool trace): where goroutines waited, for the relay's latency")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	for _, rec := range []struct {
		path, what string
		start      func(io.Writer) error
		stop       func()
	}{
		{f.cpuProf, "cpu profile", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{f.trace, "trace", trace.Start, trace.Stop},
	} {
		if rec.path == "" {
			continue
		}
		out, err := os.Create(rec.path)
		if err != nil {
			return fmt.Errorf("%s: %w", rec.what, err)
		}
		defer out.Close()
		if err := rec.start(out); err != nil {
			return fmt.Errorf("%s %s: %w", rec.what, rec.path, err)
		}
		defer rec.stop()
	}
	if f.active > f.profiles {
		f.active = f.profiles
	}
	// Measure what a gateway runs: its GC setting unless GOGC is set.
	gogc := a.getenv("GOGC")
	if gogc == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(gatewayGCPercent))
		gogc = strconv.Itoa(gatewayGCPercent) + " (as wasmgw gateway)"
	}
	r := &benchReport{w: a.stdout}
	r.header(gogc)
	dir, err := os.MkdirTemp("", "wasmgw-bench-home")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(a.stderr, "writing %d profiles to %s ...\n", f.profiles, dir)
	if err := writeBenchHome(dir, f.profiles); err != nil {
		return err
	}
	log, err := f.logger(a)
	if err != nil {
		return err
	}
	maxModule, err := f.maxModuleSize()
	if err != nil {
		return err
	}
	engine, err := runtime.NewEngine(ctx, runtime.Options{CacheDir: f.cache(a), Logger: log, Audit: runtime.DiscardAudit{},
		Pool: runtime.PoolOptions{MaxIdleBytes: 64 << 30}, MaxModuleSize: maxModule})
	if err != nil {
		return err
	}
	defer engine.Close(ctx)
	home, err := runtime.OpenHome(dir, runtime.NewGlobals(nil, ""))
	if err != nil {
		return err
	}

	// Boot: every profile loaded (config, .env, modules resolved and
	// described); compiled modules come from the cache.
	base := rss()
	start := time.Now()
	tenants := make([]*runtime.Tenant, 0, f.profiles)
	for i := range f.profiles {
		p, err := home.Profile(benchName(i))
		if err != nil {
			return err
		}
		t, err := engine.Open(ctx, p)
		if err != nil {
			return err
		}
		tenants = append(tenants, t)
		if (i+1)%2000 == 0 {
			fmt.Fprintf(a.stderr, "booted %d/%d profiles\n", i+1, f.profiles)
		}
	}
	boot := time.Since(start)
	goruntime.GC()
	idleRSS := rss() - base
	r.row("boot: profiles loaded", fmt.Sprintf("%d", f.profiles), "")
	r.row("boot: wall time (warm compilation cache)", boot.Round(time.Millisecond).String(), "target ≤ 5s")
	r.row("boot: RSS of idle profiles", mib(idleRSS), "target ≤ 500 MB")

	// First call of a profile after boot: a fresh instance.
	first := make([]time.Duration, 0, f.active)
	for i := range f.active {
		s := time.Now()
		if _, err := tenants[i].CallTool(ctx, "whoami", nil); err != nil {
			return err
		}
		first = append(first, time.Since(s))
	}
	goruntime.GC()
	activeRSS := rss() - base
	r.row("first call after boot (fresh instance), p50", pct(first, 50).String(), "target ≤ 5ms")
	r.row(fmt.Sprintf("RSS with %d idle + %d active profiles", f.profiles-f.active, f.active), mib(activeRSS), "")

	// Pooled calls on an active profile.
	pooled := make([]time.Duration, 0, f.calls)
	for i := range f.calls {
		s := time.Now()
		if _, err := tenants[i%f.active].CallTool(ctx, "whoami", nil); err != nil {
			return err
		}
		pooled = append(pooled, time.Since(s))
	}
	r.row("whoami from the pool, p50 / p99", pct(pooled, 50).String()+" / "+pct(pooled, 99).String(), "")
	r.row("fresh vs pooled first-call ratio", fmt.Sprintf("%.0fx", float64(pct(first, 50))/float64(pct(pooled, 50))), "")

	// Live instances per GiB: hold many instances at once, fresh; then
	// what one grows by once warm.
	per, pssPer, err := r.instancesPerGiB(ctx, engine, home, f.instances)
	if err != nil {
		return err
	}
	if err := r.warmInstance(ctx, engine, tenants[0], f.warmCalls, per, pssPer); err != nil {
		return err
	}
	if f.relay {
		names := make([]string, f.active)
		for i, t := range tenants[:f.active] {
			names[i] = t.Profile().Name
		}
		fmt.Fprintf(a.stderr, "relay: %d messages over %d sessions of %d profiles ...\n", f.messages, f.sessions, f.active)
		if err := benchRelay(ctx, r, log, engine, home, names, f.sessions, f.messages, f.rounds, f.rate); err != nil {
			return err
		}
	}
	for _, t := range tenants {
		t.Close(ctx)
	}
	if f.fleet {
		tenants = nil
		fmt.Fprintf(a.stderr, "fleet: %d profiles with metrics on, then reloads ...\n", f.profiles)
		if err := benchFleet(ctx, r, log, f.cache(a), dir, f.profiles, f.changed); err != nil {
			return err
		}
	}
	return nil
}

// instancesPerGiB holds n fresh instances at once and reports what each
// costs; it returns the RSS and the PSS per instance (PSS: 0 where the
// system does not report it).
func (r *benchReport) instancesPerGiB(ctx context.Context, engine *runtime.Engine, home *runtime.Home, n int) (rssPer, pssPer float64, err error) {
	p, err := home.Profile(benchName(0))
	if err != nil {
		return 0, 0, err
	}
	t, err := engine.Open(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	defer t.Close(ctx)
	goruntime.GC()
	before, pssBefore := rss(), pss()
	heapBefore := heapInuse()
	// n concurrent calls each hold their own instance; the pool keeps them
	// all (MaxIdlePerModule applies per call site, so hold them directly).
	held, err := t.HoldInstances(ctx, "whoami", n)
	if err != nil {
		return 0, 0, err
	}
	goruntime.GC()
	rssPer = float64(rss()-before) / float64(n)
	pssPer = float64(pss()-pssBefore) / float64(n)
	heapPer := float64(heapInuse()-heapBefore) / float64(n)
	held.Release(ctx)
	r.row("RSS per live Go instance, fresh (instantiated, one call)", mib(uint64(rssPer)), "")
	r.row("  of which host-side Go heap (wazero and wasmgw structures)", mib(uint64(heapPer)), "")
	r.row("live Go instances per GiB, fresh", fmt.Sprintf("%.0f", float64(1<<30)/rssPer), "target ≥ 300")
	if pssPer > 0 {
		// RSS counts a page once per mapping of it; PSS divides a shared
		// page between its mappings, so the data image the instances share
		// (Linux) is counted once.
		r.row("PSS per live Go instance (shared data pages counted once)", mib(uint64(pssPer)), "")
		r.row("live Go instances per GiB, by PSS", fmt.Sprintf("%.0f", float64(1<<30)/pssPer), "")
	}
	return rssPer, pssPer, nil
}

// warmInstance calls t's pooled whoami instance calls times and reports
// how much its linear memory grew: a Go guest's heap grows until its
// collector's goal (guest.GCPercent), and the pages it touched stay
// resident, so a warm instance costs more than a fresh one (fresh and
// freshPSS: what one cost as measured before).
func (r *benchReport) warmInstance(ctx context.Context, engine *runtime.Engine, t *runtime.Tenant, calls int, fresh, freshPSS float64) error {
	if calls <= 0 {
		return nil
	}
	if _, err := t.CallTool(ctx, "whoami", nil); err != nil { // in the pool now
		return err
	}
	before := engine.PoolStats().IdleBytes
	for range calls {
		if _, err := t.CallTool(ctx, "whoami", nil); err != nil {
			return err
		}
	}
	grew := float64(engine.PoolStats().IdleBytes) - float64(before)
	warm := fresh + max(grew, 0)
	r.row(fmt.Sprintf("linear memory a pooled instance grew by over %d calls", calls), mib(uint64(max(grew, 0))), "")
	r.row("live Go instances per GiB, warm (RSS fresh + that growth)", fmt.Sprintf("%.0f", float64(1<<30)/warm), "target ≥ 300")
	if freshPSS > 0 {
		// The growth is the instance's own heap: private pages, counted
		// whole by PSS too.
		r.row("live Go instances per GiB, warm, by PSS", fmt.Sprintf("%.0f", float64(1<<30)/(freshPSS+max(grew, 0))), "")
	}
	return nil
}

func benchName(i int) string { return "p" + strconv.Itoa(i) }

func writeBenchHome(dir string, n int) error {
	cfg := []byte("wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [OPENAI_API_KEY]\n")
	for i := range n {
		p := filepath.Join(dir, "profiles", benchName(i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		env := fmt.Sprintf("OPENAI_API_KEY=sk-test-bench-%08d\n", i)
		if err := os.WriteFile(filepath.Join(p, ".env"), []byte(env), 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(p, "config.yaml"), cfg, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rss returns the process's resident set size in bytes.
func rss() uint64 {
	debug.FreeOSMemory()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// pss returns the process's proportional set size (0 where
// /proc/self/smaps_rollup cannot be read).
func pss() uint64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func heapInuse() uint64 {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s) - 1) * p / 100
	return s[i].Round(time.Microsecond)
}

type benchReport struct {
	w interface{ Write([]byte) (int, error) }
}

func (r *benchReport) header(gogc string) {
	fmt.Fprintf(r.w, "wasmgw bench: %s, %d CPUs, %s/%s, %s, GOGC=%s\n\n", time.Now().UTC().Format(time.RFC3339), goruntime.NumCPU(), goruntime.GOOS, goruntime.GOARCH, goruntime.Version(), gogc)
	fmt.Fprintf(r.w, "| measure | value | target |\n|---|---|---|\n")
}

func (r *benchReport) row(name, value, target string) {
	fmt.Fprintf(r.w, "| %s | %s | %s |\n", name, value, target)
}

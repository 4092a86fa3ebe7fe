package inspect

// This file holds the hostile suite's entry point: its options, the targets
// it attacks under, and the suite run itself.

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// suiteOptions configure a run of the hostile suite.
type suiteOptions struct {
	// Targets are the limit sets to attack under (see suiteTargets); at least one.
	Targets []suiteTarget
	// Modules holds the hostile modules by file name (hostileNames); nil
	// means the set embedded in this binary (hostileModules).
	Modules fs.FS
	// CacheDir is the compilation cache ("" for none).
	CacheDir string
	// Environ is the host's environment (os.Environ form). The suite reads
	// only names from it, to ask a guest for a variable the host has and
	// check that the answer is "not found".
	Environ []string
	// Progress, if set, is told as each row finishes.
	Progress func(row RowReport)

	// observe, if set, receives each row's raw observation (for tests).
	observe func(id string, o observation)
}

// suiteTarget is one set of limits the suite attacks under, and the audited
// profiles that have those limits.
type suiteTarget struct {
	ID       string
	Profiles []string
	Limits   runtime.Limits
}

// suiteTargets groups profiles by their limits (the limits a module of the
// profile gets when it sets none of its own): the suite runs its
// limit-dependent rows once per group. With no profile, one target with the
// default limits.
func suiteTargets(profiles []ProfileReport) []suiteTarget {
	var out []suiteTarget
	for _, p := range profiles {
		found := false
		for i := range out {
			if limitsReport(out[i].Limits) == p.Limits {
				out[i].Profiles = append(out[i].Profiles, p.Name)
				found = true
				break
			}
		}
		if !found {
			out = append(out, suiteTarget{ID: fmt.Sprintf("t%d", len(out)+1), Profiles: []string{p.Name}, Limits: p.Limits.runtimeLimits()})
		}
	}
	if len(out) == 0 {
		out = append(out, suiteTarget{ID: "t1", Profiles: []string{}, Limits: runtime.DefaultLimits()})
	}
	return out
}

// Profile names in the suite's home.
const (
	neighbourProfile = "neighbour"
	interruptProfile = "interrupt"
	rangesProfile    = "ranges"
	hostileModule    = "hostile"
)

// suite is one run: a temporary home with synthetic secrets, a real engine
// and the benign neighbour.
type suite struct {
	opts     suiteOptions
	dir      string
	engine   *runtime.Engine
	home     *runtime.Home
	log      *logWatcher
	audit    *auditSink
	secrets  map[string]map[string]string // profile → name → synthetic value
	values   []string
	listener net.Listener

	mu      sync.Mutex
	tenants map[string]*runtime.Tenant
	errs    map[string]error

	// outLeaks counts synthetic values seen in call outputs and errors.
	outLeaks int
	// missing lists the hostile modules absent from suiteOptions.Modules.
	missing []string
	nbr     *neighbourLoop
}

// runSuite runs the hostile suite: our own hostile modules, in profiles
// written to a temporary home with synthetic secrets (generated for this
// run), under each target's limits, against a real engine; a benign
// profile is called in a loop throughout. It never reads an audited
// profile's secrets. The suite's own failures are reported in
// SuiteReport.Error or as failed rows; runSuite itself does not fail.
func runSuite(ctx context.Context, opts suiteOptions) *SuiteReport {
	start := time.Now()
	rep := &SuiteReport{}
	if len(opts.Targets) == 0 {
		opts.Targets = suiteTargets(nil)
	}
	for _, t := range opts.Targets {
		rep.Targets = append(rep.Targets, TargetReport{ID: t.ID, Profiles: append([]string{}, t.Profiles...), Limits: limitsReport(t.Limits)})
	}
	if opts.Modules == nil {
		opts.Modules = hostileModules()
	}
	s, err := newSuite(ctx, opts)
	if err != nil {
		rep.Error = err.Error()
		rep.DurationMS = time.Since(start).Milliseconds()
		return rep
	}
	defer s.close()
	rep.Rows = s.run(ctx)
	rep.Neighbour = s.nbr.report()
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep
}

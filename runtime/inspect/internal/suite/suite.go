// Package suite is the hostile suite of `wasmgw audit`: our own hostile
// modules, run in a temporary home with synthetic secrets against a real
// engine, one row per attack, each with what it tried, what the sandbox
// must do and what it did. Package inspect runs it (Run) and embeds its
// rows in the audit report; the hostile modules themselves are embedded in
// package inspect (runtime/inspect/wasm), which passes them in.
package suite

// This file holds the hostile suite's entry point: its options, the targets
// it attacks under, and the suite run itself.

import (
	"context"
	"io/fs"
	"net"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// Options configure a run of the hostile suite.
type Options struct {
	// Targets are the limit sets to attack under; at least one (none: one
	// target with the default limits).
	Targets []Target
	// Modules holds the hostile modules by file name (hostileNames); a
	// missing one fails the rows that need it. Required.
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

// Target is one set of limits the suite attacks under, and the audited
// profiles that have those limits.
type Target struct {
	ID       string
	Profiles []string
	Limits   runtime.Limits
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
	opts     Options
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
	// missing lists the hostile modules absent from Options.Modules.
	missing []string
	nbr     *neighbourLoop
}

// Result is what one run of the suite found.
type Result struct {
	// Error is set when the suite could not run at all.
	Error string
	// Rows are the rows in report order (see RowIDs).
	Rows []RowReport
	// Neighbour is the benign profile's calls while the suite ran.
	Neighbour NeighbourReport
	// DurationMS is the run's wall time.
	DurationMS int64
}

// Run runs the hostile suite: our own hostile modules, in profiles
// written to a temporary home with synthetic secrets (generated for this
// run), under each target's limits, against a real engine; a benign
// profile is called in a loop throughout. It never reads an audited
// profile's secrets. The suite's own failures are reported in
// Result.Error or as failed rows; Run itself does not fail.
func Run(ctx context.Context, opts Options) *Result {
	start := time.Now()
	rep := &Result{}
	if len(opts.Targets) == 0 {
		opts.Targets = []Target{{ID: "t1", Profiles: []string{}, Limits: runtime.DefaultLimits()}}
	}
	if opts.Modules == nil {
		rep.Error = "no hostile modules given"
		return rep
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

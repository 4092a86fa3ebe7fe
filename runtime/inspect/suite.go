package inspect

// This file connects the audit to the hostile suite
// (runtime/inspect/internal/suite): the targets it attacks under, taken
// from the audited profiles' limits, and the suite's part of the report.

import (
	"context"
	"fmt"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/inspect/internal/suite"
)

// RowIDs lists the hostile suite's rows in report order.
func RowIDs() []string { return suite.RowIDs() }

// suiteTargets groups profiles by their limits (the limits a module of the
// profile gets when it sets none of its own): the suite runs its
// limit-dependent rows once per group. With no profile, one target with the
// default limits.
func suiteTargets(profiles []ProfileReport) []suite.Target {
	var out []suite.Target
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
			out = append(out, suite.Target{ID: fmt.Sprintf("t%d", len(out)+1), Profiles: []string{p.Name}, Limits: p.Limits.runtimeLimits()})
		}
	}
	if len(out) == 0 {
		out = append(out, suite.Target{ID: "t1", Profiles: []string{}, Limits: runtime.DefaultLimits()})
	}
	return out
}

// runSuite runs the hostile suite under targets, with the hostile modules
// embedded in this binary when opts.Modules is nil, and returns its part of
// the report.
func runSuite(ctx context.Context, targets []suite.Target, opts Options) *SuiteReport {
	modules := opts.Modules
	if modules == nil {
		modules = hostileModules()
	}
	res := suite.Run(ctx, suite.Options{Targets: targets, Modules: modules, CacheDir: opts.CacheDir, Environ: opts.Environ, Progress: opts.Progress})
	rep := &SuiteReport{Error: res.Error, Rows: res.Rows, Neighbour: res.Neighbour, DurationMS: res.DurationMS}
	for _, t := range targets {
		rep.Targets = append(rep.Targets, TargetReport{ID: t.ID, Profiles: append([]string{}, t.Profiles...), Limits: limitsReport(t.Limits)})
	}
	return rep
}

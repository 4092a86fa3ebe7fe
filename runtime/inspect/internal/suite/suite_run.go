package suite

// This file runs the suite's rows, per target and over the whole run, and
// renders each row's verdict.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// run runs every row: the rows bounded by a target's timeout concurrently
// with the others, then the rows that judge the whole run.
func (s *suite) run(ctx context.Context) []RowReport {
	s.startNeighbour(ctx)
	type slot struct {
		spec rowSpec
		t    *Target
	}
	var slots []slot
	for _, spec := range rowCatalogue {
		switch {
		case spec.perTarget:
			for i := range s.opts.Targets {
				slots = append(slots, slot{spec, &s.opts.Targets[i]})
			}
		default:
			slots = append(slots, slot{spec, &s.opts.Targets[0]})
		}
	}
	rows := make([]RowReport, len(slots))
	var wg sync.WaitGroup
	for i, sl := range slots {
		if sl.spec.long {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows[i] = s.runRow(ctx, sl.spec, sl.t)
			}()
		}
	}
	var meta []int
	for i, sl := range slots {
		switch {
		case sl.spec.long:
		case sl.spec.meta != nil:
			meta = append(meta, i)
		default:
			rows[i] = s.runRow(ctx, sl.spec, sl.t)
		}
	}
	wg.Wait()
	s.nbr.halt()
	for _, i := range meta {
		rows[i] = s.runMeta(slots[i].spec, rows)
	}
	return rows
}

func (s *suite) runRow(ctx context.Context, spec rowSpec, t *Target) RowReport {
	logLeaks, auditLeaks := s.log.leakCount(), s.audit.leakCount()
	start := time.Now()
	o := spec.run(ctx, s, t)
	took := time.Since(start)
	if !spec.long {
		// Leaks in the log or the audit trail while the row ran. (Rows
		// that run concurrently are covered by exfil.anywhere.)
		if n := s.log.leakCount() - logLeaks; n > 0 {
			o.Leaks = append(o.Leaks, fmt.Sprintf("log (%d records)", n))
		}
		if n := s.audit.leakCount() - auditLeaks; n > 0 {
			o.Leaks = append(o.Leaks, fmt.Sprintf("audit (%d records)", n))
		}
	}
	if _, err := s.checkNeighbour(ctx); err != nil {
		o.Neighbour = err.Error()
	}
	// The suite's home is a new temporary directory each run: name it the
	// same way every time so that reports diff cleanly.
	for _, f := range []*string{&o.Setup, &o.Error, &o.Output} {
		*f = strings.ReplaceAll(*f, s.dir, "$SUITE_HOME")
	}
	if s.opts.observe != nil {
		s.opts.observe(spec.id, o)
	}
	row := spec.report(t, o, took)
	if s.opts.Progress != nil {
		s.opts.Progress(row)
	}
	return row
}

func (s *suite) runMeta(spec rowSpec, rows []RowReport) RowReport {
	start := time.Now()
	o := spec.meta(s, rows)
	if s.opts.observe != nil {
		s.opts.observe(spec.id, o)
	}
	row := spec.report(nil, o, time.Since(start))
	if s.opts.Progress != nil {
		s.opts.Progress(row)
	}
	return row
}

// report renders a row's verdict.
func (spec rowSpec) report(t *Target, o observation, took time.Duration) RowReport {
	limits := runtime.DefaultLimits()
	row := RowReport{ID: spec.id, Tried: spec.tried, Expected: spec.expected, DurationMS: float64(took.Microseconds()) / 1000}
	if t != nil {
		limits = t.Limits
		if spec.perTarget {
			row.Target = t.ID
		}
	}
	row.Observed = o.summary()
	row.Result = ResultPass
	if why := spec.Verdict(limits, o); why != "" {
		row.Result, row.Reason = ResultFail, why
	}
	return row
}

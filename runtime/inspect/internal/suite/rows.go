package suite

// The audit suite's rows: what a row is, how its verdict is reached, and the
// catalogue that lists every row in report order. The rows themselves live
// in one file per attack class (rows_secret.go, rows_wasi.go, ...); the
// checkers they share are in rows_checks.go and the attack helpers in
// rows_attacks.go.

import (
	"context"
	"slices"
	"strings"

	"github.com/wasmgw/wasmgw/runtime"
)

// rowSpec is one hostile behaviour of the suite.
type rowSpec struct {
	id, tried, expected string
	// perTarget rows depend on limits and run once per target; the others
	// run once, under the first target's limits.
	perTarget bool
	// long rows are bounded by the target's timeout: they run concurrently
	// with the others.
	long bool
	// run performs the attack (nil for meta rows).
	run func(ctx context.Context, s *suite, t *Target) observation
	// meta judges the whole run from the other rows, after them.
	meta func(s *suite, rows []RowReport) observation
	// checks are pure functions of the limits and the observation: "" when
	// the observation is what a contained attack looks like, else why not.
	checks []checker
}

type checker func(l runtime.Limits, o observation) string

// Verdict returns "" when the observation shows the attack was contained,
// else the first reason it was not. Every row fails on a setup error, a
// leaked value, a neighbour that stopped answering correctly or an attacker
// profile that did not recover, before its own checks.
func (spec rowSpec) Verdict(l runtime.Limits, o observation) string {
	switch {
	case o.Setup != "":
		return "the attack could not run: " + clipText(o.Setup, 300)
	case len(o.Leaks) > 0:
		return "a synthetic secret value appeared in " + strings.Join(o.Leaks, ", ")
	case o.Neighbour != "":
		return "the neighbour profile was not served correctly: " + clipText(o.Neighbour, 200)
	case o.Recovery != "":
		return "the attacker's profile did not serve its next call: " + clipText(o.Recovery, 200)
	}
	for _, c := range spec.checks {
		if why := c(l, o); why != "" {
			return why
		}
	}
	return ""
}

// rowByID returns the row with the given id; false when there is none.
func rowByID(id string) (rowSpec, bool) {
	for _, r := range rowCatalogue {
		if r.id == id {
			return r, true
		}
	}
	return rowSpec{}, false
}

// RowIDs lists the suite's rows in report order.
func RowIDs() []string {
	ids := make([]string, len(rowCatalogue))
	for i, r := range rowCatalogue {
		ids[i] = r.id
	}
	return ids
}

// rowCatalogue is the suite, in report order.
var rowCatalogue = slices.Concat(
	secretRows,    // rows_secret.go
	wasiRows,      // rows_wasi.go
	limitRows,     // rows_limits.go
	poolRows,      // rows_pool.go
	oobRows,       // rows_oob.go
	reentryRows,   // rows_reentry.go
	exfilRows,     // rows_exfil.go
	loadRows,      // rows_load.go
	hostWorkRows,  // hostwork.go
	hostBoundRows, // rows_host.go
	wholeRunRows,  // rows_whole.go
)

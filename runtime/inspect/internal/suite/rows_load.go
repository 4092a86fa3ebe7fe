package suite

// Rows about modules the host must refuse when a profile loads, before any
// call (the modules are listed in loadRefusals).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// loadRows are the load-time refusal rows, in report order.
var loadRows = []rowSpec{
	loadRow(loadRefusals[0], "a module importing a function from a module the host does not provide (env.exfiltrate)"),
	loadRow(loadRefusals[1], "a module importing a wasmgw host function that does not exist (secret_list)"),
	loadRow(loadRefusals[2], "a module importing secret_get with the wrong signature"),
	loadRow(loadRefusals[3], "a module importing its memory instead of defining it"),
	loadRow(loadRefusals[4], "a module built for ABI v2 (marker wasmgw_abi_v2)"),
	loadRow(loadRefusals[5], "a module with no ABI marker"),
	loadRow(loadRefusals[6], "a module whose marker says v1 but whose manifest says v2"),
}

// loadRow is a row that loads the profile of a module in loadRefusals and
// wants it refused, naming the profile, the module and the reason.
func loadRow(l struct{ row, module, want string }, tried string) rowSpec {
	profile := "load-" + strings.ReplaceAll(l.module, "_", "-")
	return rowSpec{
		id: l.row, tried: tried,
		expected: fmt.Sprintf("refused when the profile loads, before any call, naming the profile, the module and %q", l.want),
		run: func(ctx context.Context, s *suite, _ *Target) observation {
			if slices.Contains(s.missing, l.module+".wasm") {
				return observation{Setup: fmt.Sprintf("hostile module %s.wasm is missing from this binary; build it with 'make hostile'", l.module)}
			}
			start := time.Now()
			_, err := s.tenant(ctx, profile)
			o := observation{Took: time.Since(start)}
			if err != nil {
				o.Kind, o.Error = "refused", err.Error()
			}
			return o
		},
		checks: []checker{custom(func(_ runtime.Limits, o observation) string {
			if o.Kind != "refused" {
				return "the module was loaded"
			}
			return ""
		}), errorContains(fmt.Sprintf("profile %q: module \"m\"", profile), l.want)},
	}
}

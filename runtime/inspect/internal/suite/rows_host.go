package suite

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// Rows that measure the host, not the guest: what a module makes the host
// do before any of its limits applies (reading and compiling it), and
// what the host acts on that a guest wrote (an interpolated MCP entry).
// Each records the host's time and heap growth and fails above a stated
// bound. The bounds are an order of magnitude below the unchecked host's
// figures (a 60 MB module cost 3.5 GB and 5 to 8 s before it was refused).

const (
	// hostLoadBound bounds the wall time of refusing a module at load.
	hostLoadBound = 2 * time.Second
	// hostAllocSlack is the heap a refusal may allocate beyond the bytes of
	// the file it reads.
	hostAllocSlack = 16 << 20
	// noMarkerSize is the size of the marker-less module the suite writes:
	// under the default size bound, so it is read and scanned.
	noMarkerSize = 24 << 20
	// oversizedSize is over the default size bound: refused unread.
	oversizedSize = 48 << 20
)

// Suite profiles of these rows.
const (
	interpProfile = "interp-steer"
)

// addHostBoundProfiles writes the generated modules and adds the profiles
// of these rows.
func addHostBoundProfiles(modDir string, mod func(string) string, add func(name string, secrets []string, config string)) error {
	for name, size := range map[string]int{"no_marker_big": noMarkerSize, "oversized": oversizedSize} {
		if err := writeMarkerless(filepath.Join(modDir, name+".wasm"), size); err != nil {
			return err
		}
		add("load-"+strings.ReplaceAll(name, "_", "-"), nil, "wasmgw:\n  modules:\n    m: "+mod(name)+"\n")
	}
	add("load-start-loop", nil, "wasmgw:\n  limits: {timeout: 1s}\n  modules:\n    m: "+mod("start_loop")+"\n")
	add("load-big-memory", nil, "wasmgw:\n  limits: {memory: 64MiB}\n  modules:\n    m: "+mod("big_memory")+"\n")
	add("load-big-table", nil, "wasmgw:\n  modules:\n    m: "+mod("big_table")+"\n")
	add(interpProfile, []string{"OPENAI_API_KEY", "GITHUB_TOKEN"},
		"wasmgw:\n  interpolation: hostile\n  modules:\n    hostile:\n      path: "+mod("hostile")+"\n      grants: [OPENAI_API_KEY, GITHUB_TOKEN]\n"+
			"mcp_servers:\n"+
			"  url:\n    url: https://mcp.example.com/${OPENAI_API_KEY}\n    enabled: false\n"+
			"  args:\n    command: srv\n    args: [\"--key\", \"${OPENAI_API_KEY}\"]\n    enabled: false\n"+
			"  other:\n    command: srv\n    env:\n      T: ${OPENAI_API_KEY}\n    enabled: false\n")
	return nil
}

// writeMarkerless writes a well-framed module of size bytes (one custom
// section of zeros, a sparse file) with no ABI marker.
func writeMarkerless(path string, size int) error {
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 0}
	payload := size - 16
	b = binary.AppendUvarint(b, uint64(payload+2))
	b = append(b, 1, 'x')
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	return os.Truncate(path, int64(len(b)+payload))
}

// measuredLoad loads profile and records the host's wall time, the bytes
// the Go heap allocated meanwhile (process-wide: the neighbour's calls
// are counted too, which only errs on the safe side) and whether anything
// was compiled.
func measuredLoad(ctx context.Context, s *suite, profile string) observation {
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	compiles := s.engine.Compiles()
	start := time.Now()
	_, err := s.tenant(ctx, profile)
	o := observation{Took: time.Since(start)}
	goruntime.ReadMemStats(&after)
	if err != nil {
		o.Kind, o.Error = "refused", err.Error()
	}
	o.fact("host_alloc_mib", strconv.FormatUint((after.TotalAlloc-before.TotalAlloc)>>20, 10))
	o.fact("compiled", strconv.FormatBool(s.engine.Compiles() != compiles))
	return o
}

func hostLoadRow(id, profile, tried, want string, allocBound uint64) rowSpec {
	return rowSpec{
		id: id, tried: tried,
		expected: fmt.Sprintf("refused at load before compiling, naming the profile, the module and %q, within %s and %d MiB of host heap", want, hostLoadBound, allocBound>>20),
		run: func(ctx context.Context, s *suite, _ *Target) observation {
			if m := strings.ReplaceAll(strings.TrimPrefix(profile, "load-"), "-", "_") + ".wasm"; slices.Contains(s.missing, m) {
				return observation{Setup: "hostile module " + m + " is missing from this binary; build it with 'make hostile'"}
			}
			return measuredLoad(ctx, s, profile)
		},
		checks: []checker{
			custom(func(_ runtime.Limits, o observation) string {
				if o.Kind != "refused" {
					return "the module was loaded"
				}
				return ""
			}),
			errorContains(fmt.Sprintf("profile %q: module \"m\"", profile), want),
			factIs("compiled", "false"),
			custom(func(_ runtime.Limits, o observation) string {
				if o.Took > hostLoadBound {
					return fmt.Sprintf("the host took %s to refuse it, more than %s", o.Took, hostLoadBound)
				}
				if n, _ := strconv.ParseUint(o.Facts["host_alloc_mib"], 10, 64); n<<20 > allocBound {
					return fmt.Sprintf("the host allocated %d MiB to refuse it, more than %d MiB", n, allocBound>>20)
				}
				return ""
			}),
		},
	}
}

// interpRow runs the hostile interpolation module on one server.
func interpRow(server, tried string) rowSpec {
	return rowSpec{
		id: "interp.steer-" + server, tried: tried,
		expected: "the answer is refused (the host rebuilds the entry from the config; the module supplies only the values of its references)",
		run: func(ctx context.Context, s *suite, _ *Target) observation {
			t, err := s.tenant(ctx, interpProfile)
			if err != nil {
				return observation{Setup: err.Error()}
			}
			start := time.Now()
			srv, err := t.ResolveMCP(ctx, server)
			o := observation{Took: time.Since(start)}
			if err != nil {
				o.Kind, o.Error = "refused", err.Error()
				return o
			}
			o.fact("command", srv.Config.Command)
			o.fact("args", strconv.Itoa(len(srv.Config.Args)))
			return o
		},
		checks: []checker{
			custom(func(_ runtime.Limits, o observation) string {
				if o.Kind != "refused" {
					return "the host accepted the steered entry"
				}
				return ""
			}),
			errorContains(fmt.Sprintf("mcp server %q", server), "outside its ${...} references"),
		},
	}
}

// hostBoundRows are the rows of this file, in report order.
var hostBoundRows = []rowSpec{
	hostLoadRow("load.oversized-module", "load-oversized",
		fmt.Sprintf("a %d MiB module (over the default size bound) with no ABI marker", oversizedSize>>20),
		"more than the largest module this host loads", hostAllocSlack),
	hostLoadRow("load.no-marker-big", "load-no-marker-big",
		fmt.Sprintf("a %d MiB module with no ABI marker, under the size bound", noMarkerSize>>20),
		"not a wasmgw module", noMarkerSize+hostAllocSlack),
	hostLoadRow("load.declared-memory", "load-big-memory",
		"a module declaring 4096 pages (256 MiB) of initial memory under a 64 MiB limit (it used to panic the host)",
		"4096 pages", hostAllocSlack),
	hostLoadRow("load.declared-table", "load-big-table",
		"a module declaring a table of 100 million elements (800 MB of host memory, allocated at instantiation)",
		"100000000 elements", hostAllocSlack),
	{
		id:       "load.describe-limits",
		tried:    "a module whose start function loops, in a profile with a 1s timeout (describing it used to run under the 10s default)",
		expected: "the load fails at the module's own 1s timeout, the host held no longer than that plus the grace",
		run: func(ctx context.Context, s *suite, _ *Target) observation {
			if slices.Contains(s.missing, "start_loop.wasm") {
				return observation{Setup: "hostile module start_loop.wasm is missing from this binary; build it with 'make hostile'"}
			}
			return measuredLoad(ctx, s, "load-start-loop")
		},
		checks: []checker{
			errorContains(`profile "load-start-loop": module "m"`, "timeout of 1s"),
			custom(func(_ runtime.Limits, o observation) string {
				if bound := timeoutGrace(runtime.Limits{Timeout: time.Second}); o.Took > bound {
					return fmt.Sprintf("the host was held %s, more than %s", o.Took, bound)
				}
				return ""
			}),
		},
	},
	interpRow("url", "an interpolation module moving a URL to a host of its choosing (template https://mcp.example.com/${KEY})"),
	interpRow("args", "an interpolation module appending a flag to an argument that holds a reference"),
	interpRow("other", "an interpolation module putting a secret the config never referenced in a reference's place"),
}

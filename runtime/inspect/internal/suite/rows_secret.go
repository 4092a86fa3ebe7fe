package suite

// Rows that attack secrets and profile isolation: reading a name only the
// neighbour defines, a name both define, an ungranted name, the relay's own
// material, enumerating names, and the host process environment.

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/runtime"
)

// secretRows are the secret and isolation rows, in report order.
var secretRows = []rowSpec{
	{
		id:       "secret.cross-profile-name",
		tried:    "read a secret name only another profile (the neighbour) defines, from a module with no grant list",
		expected: "not found (the lookup never leaves the caller's profile), audited as not_found",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return readSecret(ctx, s, twin(t), "NEIGHBOUR_ONLY")
		},
		checks: []checker{succeeded, factIs("outcome", "not_found"), factIs("audited", "not_found")},
	},
	{
		id:       "secret.same-name-own-value",
		tried:    "read OPENAI_API_KEY, a name both the attacker and the neighbour define",
		expected: "the attacker's own value (by fingerprint), never the neighbour's",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return readSecret(ctx, s, attacker(t), "OPENAI_API_KEY")
		},
		checks: []checker{succeeded, factIs("outcome", "found"), factIs("profile_is_caller", "true"), factIs("value_is_own", "true"), factIs("value_is_neighbours", "false")},
	},
	{
		id:       "secret.ungranted",
		tried:    "read GITHUB_TOKEN, which the profile defines but the module was not granted",
		expected: "denied (the module cannot tell whether it exists), audited as denied",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return readSecret(ctx, s, attacker(t), "GITHUB_TOKEN")
		},
		checks: []checker{succeeded, factIs("outcome", "denied"), factIs("audited", "denied")},
	},
	{
		id:       "secret.relay-material",
		tried:    "read GATEWAY_RELAY_SECRET from a module with no grant list, in a profile whose .env defines it",
		expected: "denied: relay auth material is never readable by a guest",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			return readSecret(ctx, s, twin(t), "GATEWAY_RELAY_SECRET")
		},
		checks: []checker{succeeded, factIs("outcome", "denied"), factIs("audited", "denied")},
	},
	{
		id:       "secret.enumerate",
		tried:    "ask for 12 plausible names (API keys, relay names, PATH, HOME, path-like and qualified names) from a module with no grant list",
		expected: "only the profile's own OPENAI_API_KEY is found; relay names denied; path-like names invalid and audited as <invalid>",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			o := s.call(ctx, twin(t), "enumerate", nil)
			var m map[string]string
			if decode(&o, &m) {
				var found []string
				for k, v := range m {
					if v == "found" {
						found = append(found, k)
					}
				}
				sort.Strings(found)
				o.fact("found", strings.Join(found, ","))
				o.fact("relay", m["GATEWAY_RELAY_SECRET"]+","+m["GATEWAY_RELAY_ID"]+","+m["GATEWAY_RELAY_DELIVERY_KEY"])
				o.fact("qualified", m["../bob/OPENAI_API_KEY"]+","+m["bob:OPENAI_API_KEY"])
				o.fact("audited_invalid", strconv.Itoa(s.audit.count(auditKey{profile: twin(t), module: hostileModule, name: "<invalid>", outcome: runtime.OutcomeInvalid})))
				o.Output = ""
			}
			return o
		},
		checks: []checker{succeeded, factIs("found", "OPENAI_API_KEY"), factIs("relay", "denied,denied,denied"), factIs("qualified", "error,error"), factAtLeast("audited_invalid", 2)},
	},
	{
		id:       "secret.no-process-environment",
		tried:    "read a variable the host process has in its environment (PATH, if set) but the profile does not define",
		expected: "not found: a miss is never answered from the process environment",
		run: func(ctx context.Context, s *suite, t *Target) observation {
			name := "PATH"
			has := false
			for _, want := range []string{"PATH", "HOME", "USER"} {
				for _, kv := range s.opts.Environ {
					if strings.HasPrefix(kv, want+"=") && len(kv) > len(want)+1 {
						name, has = want, true
						break
					}
				}
				if has {
					break
				}
			}
			o := readSecret(ctx, s, twin(t), name)
			o.fact("name", name)
			o.fact("host_has_it", strconv.FormatBool(has))
			return o
		},
		checks: []checker{succeeded, factIs("outcome", "not_found")},
	},
}

package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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
	run func(ctx context.Context, s *suite, t *Target) Observation
	// meta judges the whole run from the other rows, after them.
	meta func(s *suite, rows []RowReport) Observation
	// checks are pure functions of the limits and the observation: "" when
	// the observation is what a contained attack looks like, else why not.
	checks []checker
}

type checker func(l runtime.Limits, o Observation) string

// Verdict returns "" when the observation shows the attack was contained,
// else the first reason it was not. Every row fails on a setup error, a
// leaked value, a neighbour that stopped answering correctly or an attacker
// profile that did not recover, before its own checks.
func (spec rowSpec) Verdict(l runtime.Limits, o Observation) string {
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
var rowCatalogue = slices.Concat([]rowSpec{
	// Secrets and isolation.
	{
		id:       "secret.cross-profile-name",
		tried:    "read a secret name only another profile (the neighbour) defines, from a module with no grant list",
		expected: "not found (the lookup never leaves the caller's profile), audited as not_found",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return readSecret(ctx, s, twin(t), "NEIGHBOUR_ONLY")
		},
		checks: []checker{succeeded, factIs("outcome", "not_found"), factIs("audited", "not_found")},
	},
	{
		id:       "secret.same-name-own-value",
		tried:    "read OPENAI_API_KEY, a name both the attacker and the neighbour define",
		expected: "the attacker's own value (by fingerprint), never the neighbour's",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return readSecret(ctx, s, attacker(t), "OPENAI_API_KEY")
		},
		checks: []checker{succeeded, factIs("outcome", "found"), factIs("profile_is_caller", "true"), factIs("value_is_own", "true"), factIs("value_is_neighbours", "false")},
	},
	{
		id:       "secret.ungranted",
		tried:    "read GITHUB_TOKEN, which the profile defines but the module was not granted",
		expected: "denied (the module cannot tell whether it exists), audited as denied",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return readSecret(ctx, s, attacker(t), "GITHUB_TOKEN")
		},
		checks: []checker{succeeded, factIs("outcome", "denied"), factIs("audited", "denied")},
	},
	{
		id:       "secret.relay-material",
		tried:    "read GATEWAY_RELAY_SECRET from a module with no grant list, in a profile whose .env defines it",
		expected: "denied: relay auth material is never readable by a guest",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return readSecret(ctx, s, twin(t), "GATEWAY_RELAY_SECRET")
		},
		checks: []checker{succeeded, factIs("outcome", "denied"), factIs("audited", "denied")},
	},
	{
		id:       "secret.enumerate",
		tried:    "ask for 12 plausible names (API keys, relay names, PATH, HOME, path-like and qualified names) from a module with no grant list",
		expected: "only the profile's own OPENAI_API_KEY is found; relay names denied; path-like names invalid and audited as <invalid>",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
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
		run: func(ctx context.Context, s *suite, t *Target) Observation {
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

	// WASI.
	{
		id:       "wasi.environment",
		tried:    "read the environment and arguments through Go's os package and through raw environ_sizes_get/args_sizes_get",
		expected: "no variables, no arguments",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "wasi_probe", map[string]string{"dial": s.listener.Addr().String()})
			var p struct {
				Environ []string `json:"environ"`
				Args    []string `json:"args"`
			}
			if !decode(&o, &p) {
				return o
			}
			o.fact("environ", strconv.Itoa(len(p.Environ)))
			o.fact("args", strconv.Itoa(len(p.Args)))
			raw := codes(ctx, s, attacker(t), "wasi_raw", nil)
			if raw.Setup != "" || raw.Kind != "" {
				return raw
			}
			o.fact("raw_environ", strconv.FormatInt(raw.Codes["environ_count"], 10))
			o.fact("raw_args", strconv.FormatInt(raw.Codes["args_count"], 10))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("environ", "0"), factIs("args", "0"), factIs("raw_environ", "0"), factIs("raw_args", "0")},
	},
	{
		id:       "wasi.filesystem",
		tried:    "read a host file by absolute path, write a file beside it, list /, read /proc/self/environ, create a directory in /tmp",
		expected: "every attempt fails; no file or directory appears on the host",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			secretFile := filepath.Join(s.dir, "host-only.txt")
			escaped := filepath.Join(s.dir, "escaped.txt")
			tmpDir := "/tmp/wasmgw-escape-dir"
			tmpBefore := fileExists(tmpDir)
			if err := os.WriteFile(secretFile, []byte("host only"), 0o600); err != nil {
				return Observation{Setup: err.Error()}
			}
			o := s.call(ctx, attacker(t), "fs_probe", map[string]string{"read": secretFile, "write": escaped})
			var p map[string]string
			if !decode(&o, &p) {
				return o
			}
			for _, k := range []string{"read", "write", "readdir_root", "proc_environ", "mkdir"} {
				o.fact(k+"_ok", strconv.FormatBool(p[k] == "ok"))
			}
			o.fact("host_file_written", strconv.FormatBool(fileExists(escaped)))
			o.fact("host_dir_created", strconv.FormatBool(!tmpBefore && fileExists(tmpDir)))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("read_ok", "false"), factIs("write_ok", "false"), factIs("readdir_root_ok", "false"),
			factIs("proc_environ_ok", "false"), factIs("mkdir_ok", "false"), factIs("host_file_written", "false"), factIs("host_dir_created", "false")},
	},
	{
		id:       "wasi.raw-descriptors",
		tried:    "raw WASI calls on the descriptors an escape needs: fd_prestat_get 3-6, path_open, sock_accept/recv/send on 0, 3, 4, fd_read 3",
		expected: "every call answers an errno: no preopened directory, no socket",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := codes(ctx, s, attacker(t), "wasi_raw", nil)
			delete(o.Codes, "environ_count")
			delete(o.Codes, "args_count")
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{
			"fd_prestat_get_3": nonzero, "fd_prestat_get_4": nonzero, "fd_prestat_get_5": nonzero, "fd_prestat_get_6": nonzero,
			"path_open_fd3": nonzero, "path_open_fd_root": nonzero, "fd_read_3": nonzero,
			"sock_accept_0": nonzero, "sock_accept_3": nonzero, "sock_accept_4": nonzero,
			"sock_recv_0": nonzero, "sock_recv_3": nonzero, "sock_recv_4": nonzero,
			"sock_send_0": nonzero, "sock_send_3": nonzero, "sock_send_4": nonzero,
		})},
	},
	{
		id:       "wasi.network",
		tried:    "dial a TCP listener the host opened on 127.0.0.1, and listen, through Go's net package",
		expected: "no connection reaches the host (Go's wasip1 net is an in-process fake; a listen stays inside the guest)",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "wasi_probe", map[string]string{"dial": s.listener.Addr().String()})
			var p struct {
				Dial   string `json:"dial"`
				Listen string `json:"listen"`
			}
			if !decode(&o, &p) {
				return o
			}
			n, err := s.pendingConnections()
			if err != nil {
				o.Setup = "cannot check the listener: " + err.Error()
			}
			o.fact("host_connections", strconv.Itoa(n))
			o.fact("guest_dial_ok", strconv.FormatBool(p.Dial == "ok"))
			o.fact("guest_listen_ok", strconv.FormatBool(p.Listen == "ok"))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("host_connections", "0")},
	},
	{
		id:       "wasi.clock",
		tried:    "read the wall clock",
		expected: "the host's real time (documented: a guest can tell the time and measure durations)",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "wasi_probe", map[string]string{"dial": s.listener.Addr().String()})
			var p struct {
				ClockSane bool `json:"clock_sane"`
			}
			if decode(&o, &p) {
				o.fact("clock_real", strconv.FormatBool(p.ClockSane))
				o.Output = ""
			}
			_, _ = s.pendingConnections()
			return o
		},
		checks: []checker{succeeded, factIs("clock_real", "true")},
	},

	// Limits.
	{
		id:        "loop.go",
		tried:     "a Go tool that loops forever",
		expected:  "stopped as a timeout at the profile's timeout; the instance is discarded and the next call succeeds",
		perTarget: true, long: true,
		run:    limitRow("spin", nil),
		checks: []checker{kindIs(runtime.KindTimeout), stoppedWithin(timeoutGrace, "the timeout plus grace")},
	},
	{
		id:        "loop.wat",
		tried:     "a hand-written module whose export is a bare `loop br` (no calls, no runtime)",
		expected:  "stopped as a timeout at the profile's timeout",
		perTarget: true, long: true,
		run:    watRow("spin"),
		checks: []checker{kindIs(runtime.KindTimeout), stoppedWithin(timeoutGrace, "the timeout plus grace")},
	},
	{
		id:        "memory.go-bomb",
		tried:     "a Go tool that allocates and touches 1 MiB blocks without end",
		expected:  "stopped as out_of_memory at the profile's memory limit (or by its timeout); the next call succeeds",
		perTarget: true,
		run:       limitRow("membomb", nil),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTimeout)},
	},
	{
		id:        "memory.wat-grow",
		tried:     "a hand-written module that calls memory.grow until it fails, then traps",
		expected:  "growth past the limit is refused; the call fails as out_of_memory",
		perTarget: true,
		run:       watRow("grow"),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTimeout)},
	},
	{
		id:        "stack.go",
		tried:     "a Go tool that recurses without end (its goroutine stack grows in linear memory)",
		expected:  "stopped as out_of_memory or a trap (or by the timeout); the next call succeeds",
		perTarget: true,
		run:       limitRow("recurse", nil),
		checks:    []checker{kindIs(runtime.KindOutOfMemory, runtime.KindTrap, runtime.KindExit, runtime.KindTimeout)},
	},
	{
		id:        "stack.wat",
		tried:     "a hand-written module that recurses without end (the engine's call stack)",
		expected:  "a trap naming the stack overflow (or the timeout, when it comes first: the engine grows its stack before it gives up); the host is unharmed",
		perTarget: true,
		run:       watRow("stack"),
		checks: []checker{kindIs(runtime.KindTrap, runtime.KindTimeout), custom(func(l runtime.Limits, o Observation) string {
			if o.Kind == string(runtime.KindTrap) {
				return errorContains("stack")(l, o)
			}
			return ""
		})},
	},
	{
		id:        "output.oversized",
		tried:     "return a string one byte over the module's max_output",
		expected:  "output_too_large (out_of_memory when the memory limit cannot hold it); nothing of it is kept",
		perTarget: true,
		run: limitRow("big_output", func(l runtime.Limits) any {
			// A JSON string of n bytes is n+2 bytes of output.
			return map[string]uint64{"bytes": min(l.MaxOutput, 1<<30) - 1}
		}),
		checks: []checker{custom(func(l runtime.Limits, o Observation) string {
			if l.MaxOutput+2 > l.Memory/2 {
				return kindIs(runtime.KindOutputTooLarge, runtime.KindOutOfMemory, runtime.KindTimeout)(l, o)
			}
			return kindIs(runtime.KindOutputTooLarge)(l, o)
		})},
	},
	{
		id:        "hostcalls.flood",
		tried:     "call secret_get in a loop until the host refuses",
		expected:  "host_call_budget once max_host_calls is spent (or the timeout first, when the budget is larger than the time allows)",
		perTarget: true,
		run:       limitRow("flood", nil),
		checks:    []checker{kindIs(runtime.KindBudget, runtime.KindTimeout)},
	},
	{
		id:        "log.flood",
		tried:     "write 200-byte log records totalling twice the module's max_log",
		expected:  "the host keeps at most max_log bytes of the call's log and says once that it dropped the rest",
		perTarget: true,
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			tg := tag()
			const warning = "guest log budget spent"
			s.log.watch(tg, warning)
			before := s.log.count(warning)
			flood := min(2*t.Limits.MaxLog+4096, 16<<20)
			o := s.call(ctx, attacker(t), "log_flood", map[string]any{"tag": tg, "bytes": flood})
			o.fact("flooded_bytes", strconv.FormatUint(flood, 10))
			o.fact("kept_bytes", strconv.Itoa(200*s.log.count(tg)))
			o.fact("warnings", strconv.Itoa(s.log.count(warning)-before))
			return o
		},
		checks: []checker{succeeded, custom(func(l runtime.Limits, o Observation) string {
			kept, err1 := strconv.ParseUint(o.Facts["kept_bytes"], 10, 64)
			flooded, err2 := strconv.ParseUint(o.Facts["flooded_bytes"], 10, 64)
			warnings, err3 := strconv.Atoi(o.Facts["warnings"])
			switch {
			case err1 != nil || err2 != nil || err3 != nil:
				return "the log was not measured"
			case kept == 0:
				return "no record reached the host log: the channel was not exercised"
			case kept > l.MaxLog:
				return fmt.Sprintf("the host kept %d bytes of the call's log, more than max_log %d", kept, l.MaxLog)
			case flooded > l.MaxLog && warnings != 1:
				return fmt.Sprintf("%d budget warnings, want exactly 1", warnings)
			}
			return ""
		})},
	},
	{
		id:        "pool.hoard",
		tried:     "two profiles running the same module alternately keep a block (a memory limit's eighth) and a tag per call in their instance, across calls, until the limit",
		expected:  "each instance only ever holds its own profile's tags; the attacker ends out_of_memory and its next instance starts empty",
		perTarget: true,
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			chunk := max(t.Limits.Memory/8, 1<<20)
			tags := map[string]string{attacker(t): tag(), twin(t): tag()}
			var o Observation
			foreign, failedKind, restarted, maxCalls := 0, "", "not reached", 0
			start := time.Now()
			for round := 0; round < 24 && failedKind == ""; round++ {
				for _, p := range []string{attacker(t), twin(t)} {
					r := s.call(ctx, p, "hoard", map[string]any{"tag": tags[p], "bytes": chunk})
					o.Leaks = append(o.Leaks, r.Leaks...)
					if r.Setup != "" {
						return r
					}
					if r.Kind != "" {
						if p == attacker(t) {
							failedKind = r.Kind
						}
						continue
					}
					var h struct {
						Calls int      `json:"calls"`
						Tags  []string `json:"tags"`
					}
					if !decode(&r, &h) {
						return r
					}
					maxCalls = max(maxCalls, h.Calls)
					for _, tg := range h.Tags {
						if tg != tags[p] {
							foreign++
						}
					}
				}
			}
			if failedKind != "" {
				r := s.call(ctx, attacker(t), "hoard", map[string]any{"tag": tags[attacker(t)], "bytes": 1 << 10})
				var h struct {
					Calls int      `json:"calls"`
					Tags  []string `json:"tags"`
				}
				switch {
				case r.Kind != "":
					restarted = "failed: " + r.Kind
				case decode(&r, &h):
					restarted = strconv.FormatBool(h.Calls == 1)
				}
			}
			o.Took = time.Since(start)
			o.fact("foreign_tags", strconv.Itoa(foreign))
			o.fact("attacker_failed", failedKind)
			o.fact("restarted_empty", restarted)
			o.fact("max_calls_per_instance", strconv.Itoa(maxCalls))
			return o
		},
		checks: []checker{factIs("foreign_tags", "0"), factIs("restarted_empty", "true"), custom(func(_ runtime.Limits, o Observation) string {
			if k := o.Facts["attacker_failed"]; k != string(runtime.KindOutOfMemory) && k != string(runtime.KindTimeout) {
				return fmt.Sprintf("the hoarding instance ended with %q, want out_of_memory", k)
			}
			return ""
		})},
	},
	{
		id:       "pool.state",
		tried:    "set a value in a module's instance state, then call the same module (same compiled code) from another profile",
		expected: "the other profile never sees it; the attacker's own pooled instance does",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			tg := tag()
			o := s.call(ctx, attacker(t), "state", map[string]string{"set": tg})
			if o.Setup != "" || o.Kind != "" {
				return o
			}
			again := s.call(ctx, attacker(t), "state", nil)
			o.fact("reused_own", strconv.FormatBool(strings.Contains(again.Output, tg)))
			seen := 0
			for range 5 {
				r := s.call(ctx, twin(t), "state", map[string]string{"set": "twin"})
				if r.Setup != "" || r.Kind != "" {
					return r
				}
				if strings.Contains(r.Output, tg) {
					seen++
				}
			}
			o.fact("seen_by_other_profile", strconv.Itoa(seen))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("seen_by_other_profile", "0")},
	},

	// Ranges in every host call.
	oobRow("oob.secret_get", "secret_get with names and buffers past the end of memory, wrapping around 4 GiB, too long, empty at a far address, and a zero-capacity buffer far out",
		"fault for every bad range, invalid for a too long or empty name, the needed size for a zero-capacity buffer; never a trap",
		map[string]int64{"secret_name_past_end": -4, "secret_name_wraparound": -4, "secret_name_too_long": -3, "secret_buf_past_end": -4,
			"secret_buf_wraparound": -4, "secret_zero_len_name_far": -3, "secret_zero_cap_far": positive}, "secret_"),
	oobRow("oob.log", "log with a message past the end, attributes wrapping around, a bad level, attributes that are not JSON, and empty ranges far out",
		"fault, fault, invalid, invalid; empty ranges are legal (0)",
		map[string]int64{"log_msg_past_end": -4, "log_attrs_wraparound": -4, "log_bad_level": -3, "log_attrs_not_json": -3, "log_zero_len_far": 0}, "log_"),
	oobRow("oob.output", "output with a range past the end and one wrapping around",
		"fault for both; the call's real output is unaffected",
		map[string]int64{"output_past_end": -4, "output_wraparound": -4}, "output_"),
	oobRow("oob.self", "self with a buffer past the end, one wrapping around, and a zero-capacity one far out",
		"fault, fault, and the needed size",
		map[string]int64{"self_buf_past_end": -4, "self_wraparound": -4, "self_zero_cap_far": positive}, "self_"),
	oobRow("oob.tool_call", "tool_call with a name past the end, an input past the end, a buffer wrapping around",
		"fault for each (ranges are checked before anything else)",
		map[string]int64{"tool_call_past_end": -4, "tool_call_in_past_end": -4, "tool_call_buf_wraparound": -4}, "tool_call_past", "tool_call_in", "tool_call_buf"),
	oobRow("oob.result_read", "result_read with nothing kept, then (after a refused http_fetch) past the end and wrapping around, then correctly",
		"not_found, fault, fault, then the kept error envelope's size",
		map[string]int64{"result_read_nothing": -1, "result_read_past_end": -4, "result_read_wraparound": -4, "result_read_after_refusal": positive}, "result_read_"),
	oobRow("oob.http_fetch", "http_fetch with a request past the end, wrapping around, and a response buffer past the end and wrapping around",
		"fault for each, before any request is considered",
		map[string]int64{"http_fetch_req_past_end": -4, "http_fetch_req_wraparound": -4, "http_fetch_buf_past_end": -4, "http_fetch_buf_wraparound": -4}, "http_fetch_req", "http_fetch_buf"),
	oobRow("oob.overlap", "overlapping ranges: secret_get's buffer over its name, log's attributes over its message, tool_call's three ranges on one another, http_fetch's response over its request",
		"legal: the host copies inputs before it writes (the value's size; 0; unavailable outside a handler; egress refused)",
		map[string]int64{"secret_buf_overlaps_name": positive, "log_msg_is_attrs": 0, "tool_call_all_overlap": -7, "http_fetch_overlap": -8}, "secret_buf_overlaps", "log_msg_is", "tool_call_all", "http_fetch_overlap"),

	// Re-entry, nesting, interrupts.
	{
		id:       "reentry.tool_call",
		tried:    "a tool module calls tool_call (re-entering the host to run another tool)",
		expected: "unavailable: only a handler may call tools",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "reenter", map[string]string{"name": "state"})
			var code int64
			if decode(&o, &code) {
				o.Codes = map[string]int64{"tool_call": code}
				o.Output = ""
			}
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{"tool_call": -7})},
	},
	{
		id:       "nested.trap",
		tried:    "a handler calls a tool that traps while the handler is inside its tool_call host call",
		expected: "the handler gets an error envelope and answers; the trapped tool instance is discarded; the profile keeps serving",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := handle(ctx, s, attacker(t), "/call panic {}")
			o.fact("reply_reports_failure", strconv.FormatBool(strings.Contains(o.Output, "failed") && strings.Contains(o.Output, "trap")))
			if o.Setup == "" {
				o.Recovery = s.recovery(ctx, attacker(t))
				if r := handle(ctx, s, attacker(t), "/tools"); r.Kind != "" {
					o.Recovery = "the handler failed after the trap: " + r.Error
				}
			}
			return o
		},
		checks: []checker{succeeded, factIs("reply_reports_failure", "true")},
	},
	{
		id:       "interrupt.loop",
		tried:    "cancel the context of a call whose guest is looping (after it says it entered the loop)",
		expected: "interrupted within 2s of the cancel; the next call succeeds",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return interrupt(ctx, s, func(ctx context.Context, tg string) Observation {
				return s.call(ctx, interruptProfile, "spin_tagged", map[string]string{"tag": tg})
			})
		},
		checks: []checker{factIs("interrupted_in_loop", "true"), kindIs(runtime.KindInterrupted), stoppedWithin(func(runtime.Limits) time.Duration { return interruptBound }, "after the cancel")},
	},
	{
		id:       "interrupt.nested",
		tried:    "cancel the context of a handler blocked in tool_call while the tool loops",
		expected: "the handler and the tool are both stopped; interrupted within 2s of the cancel",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			return interrupt(ctx, s, func(ctx context.Context, tg string) Observation {
				return handle(ctx, s, interruptProfile, `/call spin_tagged {"tag":"`+tg+`"}`)
			})
		},
		checks: []checker{factIs("interrupted_in_loop", "true"), kindIs(runtime.KindInterrupted), stoppedWithin(func(runtime.Limits) time.Duration { return interruptBound }, "after the cancel")},
	},
	{
		id:       "guest.panic",
		tried:    "a tool that panics (the Go runtime traps)",
		expected: "a trap; the instance is discarded; the next call succeeds",
		run:      limitRow("panic", nil),
		checks:   []checker{kindIs(runtime.KindTrap)},
	},
	{
		id:       "guest.exit",
		tried:    "a tool that calls proc_exit(3)",
		expected: "an exit with code 3, not the host's; the next call succeeds",
		run:      limitRow("exit", nil),
		checks:   []checker{kindIs(runtime.KindExit), errorContains("code 3")},
	},

	// Exfiltration of a granted secret.
	{
		id:       "exfil.output",
		tried:    "return a granted secret as the tool's output, raw and Go-quoted",
		expected: "the output holds [REDACTED], never the value nor the secret's name",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redaction_marker", strconv.FormatBool(strings.Contains(o.Output, "[REDACTED]") && !strings.Contains(o.Output, "OPENAI_API_KEY")))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("redaction_marker", "true")},
	},
	{
		id:       "exfil.logs",
		tried:    "write a granted secret to the log (message, attribute value, attribute key), stdout and stderr",
		expected: "each channel reaches the host log, redacted",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			marks := []string{"leaking [REDACTED:OPENAI_API_KEY]", "stdout leak: [REDACTED:OPENAI_API_KEY]", "stderr leak: [REDACTED:OPENAI_API_KEY]"}
			s.log.watch(marks...)
			before := make([]int, len(marks))
			for i, m := range marks {
				before[i] = s.log.count(m)
			}
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			for i, m := range marks {
				o.fact(strings.SplitN(m, " ", 2)[0], strconv.Itoa(s.log.count(m)-before[i]))
			}
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factAtLeast("leaking", 1), factAtLeast("stdout", 1), factAtLeast("stderr", 1)},
	},
	{
		id:       "exfil.audit",
		tried:    "ask for a secret whose name is a granted secret's value, to plant the value in the audit trail",
		expected: "the audit record's name is [REDACTED:OPENAI_API_KEY], never the value",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "exfil", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redacted_name_audited", strconv.FormatBool(s.audit.count(auditKey{profile: attacker(t), module: hostileModule, name: "[REDACTED:OPENAI_API_KEY]"}) > 0))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, factIs("redacted_name_audited", "true")},
	},
	{
		id:       "exfil.error",
		tried:    "fail with an error message holding a granted secret",
		expected: "a tool error whose message is redacted",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := s.call(ctx, attacker(t), "exfil_error", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redaction_marker", strconv.FormatBool(strings.Contains(o.Error, "[REDACTED]") && !strings.Contains(o.Error, "OPENAI_API_KEY")))
			return o
		},
		checks: []checker{custom(func(_ runtime.Limits, o Observation) string {
			if o.Kind != "tool_error" {
				return fmt.Sprintf("got %q, want a tool error", o.Kind)
			}
			return ""
		}), factIs("redaction_marker", "true")},
	},
	{
		id:       "exfil.panic",
		tried:    "panic with a granted secret in the message (the Go runtime prints it to stderr, then traps)",
		expected: "a trap; the panic text reaches the log redacted; the error holds no value",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			mark := "leaking through a panic: [REDACTED:OPENAI_API_KEY]"
			s.log.watch(mark)
			before := s.log.count(mark)
			o := s.call(ctx, attacker(t), "exfil_panic", map[string]string{"name": "OPENAI_API_KEY"})
			o.fact("redacted_in_log", strconv.Itoa(s.log.count(mark)-before))
			o.Recovery = s.recovery(ctx, attacker(t))
			return o
		},
		checks: []checker{kindIs(runtime.KindTrap), factAtLeast("redacted_in_log", 1)},
	},
	{
		id:       "exfil.http_fetch",
		tried:    "send a granted secret, in the URL and a header, to a listener on the host with http_fetch (the module has no egress policy)",
		expected: "egress refused (-8) and audited as refused; no connection reaches the listener",
		run: func(ctx context.Context, s *suite, t *Target) Observation {
			o := codes(ctx, s, attacker(t), "exfil_fetch", map[string]string{"name": "OPENAI_API_KEY", "url": "http://" + s.listener.Addr().String() + "/collect"})
			n, err := s.pendingConnections()
			if err != nil {
				o.Setup = "cannot check the listener: " + err.Error()
			}
			o.fact("host_connections", strconv.Itoa(n))
			o.fact("refusal_audited", strconv.FormatBool(s.audit.count(auditKey{kind: "egress", profile: attacker(t), module: hostileModule, outcome: runtime.OutcomeRefused}) > 0))
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, codesAre(map[string]int64{"http_fetch": -8}), factIs("host_connections", "0"), factIs("refusal_audited", "true")},
	},

	// Load-time refusals.
	loadRow(loadRefusals[0], "a module importing a function from a module the host does not provide (env.exfiltrate)"),
	loadRow(loadRefusals[1], "a module importing a wasmgw host function that does not exist (secret_list)"),
	loadRow(loadRefusals[2], "a module importing secret_get with the wrong signature"),
	loadRow(loadRefusals[3], "a module importing its memory instead of defining it"),
	loadRow(loadRefusals[4], "a module built for ABI v2 (marker wasmgw_abi_v2)"),
	loadRow(loadRefusals[5], "a module with no ABI marker"),
	loadRow(loadRefusals[6], "a module whose marker says v1 but whose manifest says v2"),

	// Host work on a guest's behalf (hostwork.go).
	hostWorkRows[0], hostWorkRows[1], hostWorkRows[2], hostWorkRows[3], hostWorkRows[4],
}, hostBoundRows, []rowSpec{
	// The whole run.
	{
		id:       "neighbour.served",
		tried:    "call a benign tool (whoami) of another profile in a loop while every attack runs",
		expected: "every call answers, with the neighbour's own identity",
		meta: func(s *suite, _ []RowReport) Observation {
			r := s.nbr.report()
			o := Observation{}
			o.fact("calls", strconv.Itoa(r.Calls))
			o.fact("failures", strconv.Itoa(r.Failures))
			if len(r.Errors) > 0 {
				o.Error = r.Errors[0]
			}
			return o
		},
		checks: []checker{factAtLeast("calls", 1), factIs("failures", "0")},
	},
	{
		id:       "exfil.anywhere",
		tried:    "scan everything the run produced (host log, audit trail, every output and error) for the run's synthetic values",
		expected: "no value anywhere",
		meta: func(s *suite, _ []RowReport) Observation {
			o := Observation{}
			s.mu.Lock()
			out := s.outLeaks
			s.mu.Unlock()
			o.fact("log_records", strconv.Itoa(s.log.leakCount()))
			o.fact("audit_records", strconv.Itoa(s.audit.leakCount()))
			o.fact("outputs_and_errors", strconv.Itoa(out))
			return o
		},
		checks: []checker{factIs("log_records", "0"), factIs("audit_records", "0"), factIs("outputs_and_errors", "0")},
	},
	{
		id:       "exfil.report",
		tried:    "scan this suite's own report for the run's synthetic values",
		expected: "no value: the report is safe to file",
		meta: func(s *suite, rows []RowReport) Observation {
			b, _ := json.Marshal(rows)
			o := Observation{}
			n := 0
			for _, v := range s.values {
				if strings.Contains(string(b), v) {
					n++
				}
			}
			o.fact("values_in_report", strconv.Itoa(n))
			return o
		},
		checks: []checker{factIs("values_in_report", "0")},
	},
})

func oobRow(id, tried, expected string, want map[string]int64, prefixes ...string) rowSpec {
	return rowSpec{
		id: id, tried: tried, expected: expected,
		run: func(ctx context.Context, s *suite, _ *Target) Observation {
			o := oobCodes(ctx, s, prefixes...)
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, codesAre(want)},
	}
}

func loadRow(l struct{ row, module, want string }, tried string) rowSpec {
	profile := "load-" + strings.ReplaceAll(l.module, "_", "-")
	return rowSpec{
		id: l.row, tried: tried,
		expected: fmt.Sprintf("refused when the profile loads, before any call, naming the profile, the module and %q", l.want),
		run: func(ctx context.Context, s *suite, _ *Target) Observation {
			if contains(s.missing, l.module+".wasm") {
				return Observation{Setup: fmt.Sprintf("hostile module %s.wasm is missing from this binary; build it with 'make hostile'", l.module)}
			}
			start := time.Now()
			_, err := s.tenant(ctx, profile)
			o := Observation{Took: time.Since(start)}
			if err != nil {
				o.Kind, o.Error = "refused", err.Error()
			}
			return o
		},
		checks: []checker{custom(func(_ runtime.Limits, o Observation) string {
			if o.Kind != "refused" {
				return "the module was loaded"
			}
			return ""
		}), errorContains(fmt.Sprintf("profile %q: module \"m\"", profile), l.want)},
	}
}

package suite

// Rows that probe what WASI gives a guest: environment and arguments, the
// filesystem, raw descriptors, the network and the clock.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
)

// wasiRows are the WASI rows, in report order.
var wasiRows = []rowSpec{
	{
		id:       "wasi.environment",
		tried:    "read the environment and arguments through Go's os package and through raw environ_sizes_get/args_sizes_get",
		expected: "no variables, no arguments",
		run: func(ctx context.Context, s *suite, t *Target) observation {
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
		run: func(ctx context.Context, s *suite, t *Target) observation {
			secretFile := filepath.Join(s.dir, "host-only.txt")
			escaped := filepath.Join(s.dir, "escaped.txt")
			tmpDir := "/tmp/wasmgw-escape-dir"
			tmpBefore := fileExists(tmpDir)
			if err := os.WriteFile(secretFile, []byte("host only"), 0o600); err != nil {
				return observation{Setup: err.Error()}
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
		run: func(ctx context.Context, s *suite, t *Target) observation {
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
		run: func(ctx context.Context, s *suite, t *Target) observation {
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
		run: func(ctx context.Context, s *suite, t *Target) observation {
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
}

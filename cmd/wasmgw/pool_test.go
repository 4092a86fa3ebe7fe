package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestGatewayPoolMemory: --pool-memory bounds what the idle instances keep,
// and /metrics shows the pool at work. With a bound too small for one
// instance, every message creates its instances afresh and each is closed
// as evicted; with the default, the second message reuses the first's.
func TestGatewayPoolMemory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, flag string
		want       []string
	}{
		{"too small", "1KiB", []string{
			`wasmgw_instances_created_total 4`, // a handler and a whoami per message
			`wasmgw_instances_reused_total 0`,
			`wasmgw_instances_closed_total{reason="evicted"} 4`,
			`wasmgw_pool_idle_bytes 0`,
			`wasmgw_pool_idle_bytes_limit 1024`,
		}},
		{"default", "", []string{
			`wasmgw_instances_created_total 2`,
			`wasmgw_instances_reused_total 2`,
			`wasmgw_instances_closed_total{reason="evicted"} 0`,
			`wasmgw_pool_idle_bytes_limit 1.073741824e+09`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			home := runtimetest.Home(t, map[string]runtimetest.Profile{"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)}})
			var extra []string
			if tc.flag != "" {
				extra = []string{"--pool-memory", tc.flag}
			}
			p, conn, base := startOpsGateway(t, ctx, home, extra...)
			replies := map[string]string{}
			for _, id := range []string{"m1", "m2"} {
				if err := conn.Push(ctx, inboundFor("alpha", id, "/call whoami {}")); err != nil {
					t.Fatal(err)
				}
				collect(t, ctx, p, conn, replies, map[string]bool{}, []string{id}, nil)
				if !strings.Contains(replies[id], "key_sha256") {
					t.Fatalf("reply to %s: %q", id, replies[id])
				}
			}
			waitMetrics(t, ctx, base, tc.want...)
		})
	}
}

// TestPoolMemoryFlagIsChecked: a --pool-memory that is not a size, or is
// zero, is refused before anything starts, naming the flag; so is one
// given to a run that keeps no pool (without --relay).
func TestPoolMemoryFlagIsChecked(t *testing.T) {
	t.Parallel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)}})
	for _, v := range []string{"lots", "0", "-1GiB"} {
		r := run(t, "", []string{"GATEWAY_RELAY_URL=http://127.0.0.1:1"}, "gateway", "--home", home, cacheFlag(), "--pool-memory", v)
		if r.code == 0 || !strings.Contains(r.stderr, `--pool-memory "`+v+`": want a size such as 1GiB or 4GB`) {
			t.Errorf("--pool-memory %s: exit %d, stderr:\n%s", v, r.code, r.stderr)
		}
	}
	r := run(t, "", nil, "run", "--home", home, cacheFlag(), "--profile", "alpha", "--pool-memory", "2GiB")
	if r.code != 2 || !strings.Contains(r.stderr, "--pool-memory go with --relay only") {
		t.Errorf("run --pool-memory without --relay: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

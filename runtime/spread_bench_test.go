package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// BenchmarkHandleSpread is BenchmarkHandle's "/call whoami {}" served by
// 1, 10 or 100 profiles in turn, each from its own pooled instances (a
// handler and a whoami), as a gateway serves many chats. The work per call
// is the same; what differs is that an instance's memory (its Go heap,
// stack and runtime state, in its own linear memory) has gone cold in the
// CPU's caches by the time its turn comes again. The ratio of the rows is
// what that costs: it is why a relay message costs several times what
// BenchmarkHandle measures (docs/performance.md, "Many profiles in turn").
// idle-B/instance is the linear memory one pooled instance holds.
func BenchmarkHandleSpread(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprint("profiles", n), func(b *testing.B) {
			ctx := context.Background()
			profiles := map[string]runtimetest.Profile{}
			for i := range n {
				profiles[fmt.Sprint("p", i)] = runtimetest.Profile{
					Env:    "OPENAI_API_KEY=sk-test-bench-0123456789\n",
					Config: "wasmgw:\n  modules:\n    w: builtin:whoami\n",
				}
			}
			home := runtimetest.Home(b, profiles)
			e := runtimetest.Engine(b, nil, nil)
			tenants := make([]*runtime.Tenant, n)
			req := abi.HandleRequest{SessionKey: "bench:dm:1", Text: "/call whoami {}"}
			for i := range tenants {
				ten, err := e.Open(ctx, runtimetest.OpenProfile(b, home, fmt.Sprint("p", i)))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { ten.Close(ctx) })
				if _, err := ten.Handle(ctx, req); err != nil { // warm the pool
					b.Fatal(err)
				}
				tenants[i] = ten
			}
			if created := e.PoolStats().Created; created != uint64(2*n) {
				b.Fatalf("%d instances created warming %d profiles, want %d", created, n, 2*n)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := tenants[i%n].Handle(ctx, req); err != nil {
					b.Fatal(err)
				}
				i++
			}
			st := e.PoolStats()
			if st.Created != uint64(2*n) {
				b.Fatalf("%d instances created, want only the %d of the warm-up: the pool did not hold them", st.Created, 2*n)
			}
			// What one pooled instance holds, for sizing the pool
			// (docs/operations.md, "Cost").
			b.ReportMetric(float64(st.IdleBytes)/float64(max(st.Idle, 1)), "idle-B/instance")
		})
	}
}

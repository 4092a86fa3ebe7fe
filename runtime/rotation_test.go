package runtime_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// Rotation is immediate: once a profile's .env changes, no idle instance
// created under the old file serves another call. An instance keeps what
// it read (here the hostile module's "state" tool holds the old key, as a
// guest caching a secret would); reused after the key was removed, it
// handed the old value back raw, since the redactor then knew only the new
// scope.
func TestRotationRetiresPooledInstances(t *testing.T) {
	t.Parallel()
	const oldKey = "sk-test-rotated-away-9f8e7d6c"
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "OPENAI_API_KEY=" + oldKey + "\nOTHER=stays-the-same-1234\n",
		Config: "wasmgw:\n  modules:\n    hostile: " + runtimetest.Hostile(t, "go") + "\n",
	}})
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	h.SetEnvCheckInterval(0) // every call looks at the .env
	p, err := h.Profile("p")
	if err != nil {
		t.Fatal(err)
	}
	e := runtimetest.Engine(t, nil, nil)
	ctx := context.Background()
	ten, err := e.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer ten.Close(ctx)
	state := func(set string) string {
		t.Helper()
		out, err := ten.CallTool(ctx, "state", []byte(`{"set":"`+set+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	state(oldKey) // the instance now holds the key
	// Unchanged .env: the same instance serves the next call and hands back
	// what it holds (raw: it was given the text, it never read the secret,
	// so showing it back confirms nothing; see docs/security.md,
	// "Redaction").
	if got := state(""); !strings.Contains(got, oldKey) {
		t.Fatalf("before rotation, the pooled instance was not reused: %s", got)
	}
	before := e.PoolStats()
	if err := os.WriteFile(p.EnvPath(), []byte("OTHER=stays-the-same-1234\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := state(""); strings.Contains(got, oldKey) {
		t.Errorf("after rotation, an instance from before served the call: %s", got)
	}
	if st := e.PoolStats(); st.Retired <= before.Retired {
		t.Errorf("retired %d -> %d, want more", before.Retired, st.Retired)
	}
}

package runtime_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// TestReloadRevokedEgressIsRefusedOnTheNextCall: a destination dropped
// from a module's egress allow list by a reload is refused on the next
// call (the pooled instance and its kept-alive connection to the server
// belonged to the old config), and the server sees no further request.
func TestReloadRevokedEgressIsRefusedOnTheNextCall(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"p1": {Env: "OPENAI_API_KEY=" + aliceKey + "\n", Config: fetcherConfig(t, "allow: [\""+srv.URL+"\"]\nallow_private: [127.0.0.1]")},
	})
	e := runtimetest.Engine(t, nil, nil)
	h, err := runtime.OpenHome(home, runtime.Globals{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := runtime.OpenFleet(context.Background(), e, h, nil, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	fetch := func() fetchResult {
		t.Helper()
		tn, _ := f.Tenant("p1")
		in, _ := json.Marshal(map[string]any{"url": srv.URL + "/x"})
		out, err := tn.CallTool(context.Background(), "fetch", in)
		if err != nil {
			t.Fatal(err)
		}
		var r fetchResult
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := fetch(); r.Status != 200 {
		t.Fatalf("allowed fetch: %+v", r)
	}
	cfg := fetcherConfig(t, "allow: [\"https://example.com\"]")
	if err := os.WriteFile(filepath.Join(home, "profiles", "p1", "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := f.Reload(context.Background(), nil, 1); err != nil || len(rep.Changed) != 1 {
		t.Fatalf("reload: %+v, %v", rep, err)
	}
	before := srv.reqs.Load()
	if r := fetch(); r.Code != codeEgress || !r.Egress {
		t.Fatalf("fetch after the revocation: %+v; want an egress refusal", r)
	}
	if n := srv.reqs.Load(); n != before {
		t.Fatalf("the server saw %d more requests after the revocation", n-before)
	}
}

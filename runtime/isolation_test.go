package runtime_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

type identity struct {
	Profile   string `json:"profile"`
	KeySHA256 string `json:"key_sha256"`
}

// openSample opens profile name of a copy of the sample home, with the host
// globals taken from the real process environment (as the CLI does).
func openSample(t *testing.T, e *runtime.Engine, home, name string) *runtime.Tenant {
	t.Helper()
	h, err := runtime.OpenHome(home, runtime.NewGlobals(os.Environ(), runtime.DefaultGlobalAllowlist))
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := e.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ten.Close(context.Background()) })
	return ten
}

// TestParallelProfilesSeeOnlyTheirOwnValues runs hundreds of interleaved
// calls for alice and bob at once, with the same name set in the host
// environment, and checks each only ever sees its own value.
func TestParallelProfilesSeeOnlyTheirOwnValues(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-host-environment-must-not-leak")
	home := runtimetest.SampleHome(t)
	e := runtimetest.Engine(t, nil, nil)
	alice, bob := openSample(t, e, home, "alice"), openSample(t, e, home, "bob")
	want := map[*runtime.Tenant]identity{
		alice: {"alice", sha("sk-test-alice-7f3a9c1e5b")},
		bob:   {"bob", sha("sk-test-bob-2d8e4f6a0c")},
	}
	const workers, calls = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				ten := alice
				if (w+i)%2 == 1 {
					ten = bob
				}
				out, err := ten.CallTool(context.Background(), "whoami", nil)
				if err != nil {
					errs <- err
					continue
				}
				var got identity
				if err := json.Unmarshal(out, &got); err != nil || got != want[ten] {
					errs <- fmt.Errorf("%s got %s (err %v), want %+v", ten.Profile().Name, out, err, want[ten])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d calls saw the wrong identity", n, workers*calls)
	}
}

// TestRefusalsAreAuditedWithoutValues: a name the profile lacks is not found
// even when the host has it; a name outside the grants is denied even when
// the profile has it; both are audited; the audit file holds no value.
func TestRefusalsAreAuditedWithoutValues(t *testing.T) {
	t.Setenv("AWS_SECRET_ACCESS_KEY", "host-only-secret-value")
	home := runtimetest.SampleHome(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	file, err := runtime.OpenJSONLAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	mem := &runtime.MemoryAudit{}
	e := runtimetest.Engine(t, nil, runtime.TeeAudit{mem, file})
	alice, bob := openSample(t, e, home, "alice"), openSample(t, e, home, "bob")
	ctx := context.Background()

	// bob's whoami has no grant list: it may read every name of bob's.
	_, err = bob.CallTool(ctx, "whoami", []byte(`{"name":"AWS_SECRET_ACCESS_KEY"}`))
	var te *runtime.ToolError
	if !errors.As(err, &te) || !strings.Contains(te.Message, "not found") {
		t.Fatalf("host-only name: err %v, want a not-found tool error", err)
	}
	// alice's whoami is granted OPENAI_API_KEY only.
	_, err = alice.CallTool(ctx, "whoami", []byte(`{"name":"GITHUB_TOKEN"}`))
	if !errors.As(err, &te) || !strings.Contains(te.Message, "not granted") {
		t.Fatalf("ungranted name: err %v, want a denied tool error", err)
	}
	// A granted read, for contrast.
	if _, err := alice.CallTool(ctx, "whoami", nil); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[string]runtime.Outcome{}
	for _, r := range mem.Records() {
		got[r.Profile+"/"+r.Module+"/"+r.Name] = r.Outcome
	}
	for key, want := range map[string]runtime.Outcome{
		"bob/whoami/AWS_SECRET_ACCESS_KEY": runtime.OutcomeNotFound,
		"alice/whoami/GITHUB_TOKEN":        runtime.OutcomeDenied,
		"alice/whoami/OPENAI_API_KEY":      runtime.OutcomeGranted,
	} {
		if got[key] != want {
			t.Errorf("audit %s = %q, want %q (all: %v)", key, got[key], want, got)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(data, []byte("\n")); lines != len(mem.Records()) {
		t.Errorf("audit file has %d lines, memory sink %d records", lines, len(mem.Records()))
	}
	for _, v := range append(runtimetest.FakeValues(t, home), "host-only-secret-value") {
		if bytes.Contains(data, []byte(v)) {
			t.Errorf("audit file contains the value %q", v)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode %v, want 0600", st.Mode().Perm())
	}
}

// TestRotatedKeyTakesEffectOnNextCall: rewriting .env changes the value the
// next call sees (check interval 0), with no restart and the same pooled
// instance.
func TestRotatedKeyTakesEffectOnNextCall(t *testing.T) {
	home := runtimetest.SampleHome(t)
	e := runtimetest.Engine(t, nil, nil)
	h, err := runtime.OpenHome(home, runtime.Globals{})
	if err != nil {
		t.Fatal(err)
	}
	h.SetEnvCheckInterval(0) // check on every call
	p, err := h.Profile("bob")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := e.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := func() identity {
		out, err := bob.CallTool(ctx, "whoami", nil)
		if err != nil {
			t.Fatal(err)
		}
		var id identity
		if err := json.Unmarshal(out, &id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := call(); got.KeySHA256 != sha("sk-test-bob-2d8e4f6a0c") {
		t.Fatalf("before rotation: %+v", got)
	}
	env := filepath.Join(home, "profiles", "bob", ".env")
	tmp := env + ".new"
	if err := os.WriteFile(tmp, []byte("OPENAI_API_KEY=sk-test-bob-rotated-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, env); err != nil {
		t.Fatal(err)
	}
	if got := call(); got.KeySHA256 != sha("sk-test-bob-rotated-1") {
		t.Fatalf("after rotation: %+v", got)
	}
}

// TestGlobalsComeFromTheHostSnapshot: a name on the global allowlist is read
// from the host; relay auth material never is, even from the profile's .env.
func TestGlobalsAndReservedNames(t *testing.T) {
	g := runtime.NewGlobals([]string{"TZ=Europe/Paris", "GATEWAY_RELAY_SECRET=relay-secret", "OPENAI_API_KEY=host"}, runtime.DefaultGlobalAllowlist+" GATEWAY_RELAY_SECRET")
	s := runtime.NewScope("p", "g1", map[string]string{"GATEWAY_RELAY_SECRET": "in-env-file", "K": "v", "EMPTY": ""}, g)
	for _, c := range []struct {
		name   string
		grants []string
		val    string
		out    runtime.Outcome
	}{
		{"TZ", nil, "Europe/Paris", runtime.OutcomeGranted},
		{"TZ", []string{}, "Europe/Paris", runtime.OutcomeGranted},
		{"GATEWAY_RELAY_SECRET", nil, "", runtime.OutcomeDenied},
		{"OPENAI_API_KEY", nil, "", runtime.OutcomeNotFound},
		{"K", nil, "v", runtime.OutcomeGranted},
		{"K", []string{"OTHER"}, "", runtime.OutcomeDenied},
		{"EMPTY", nil, "", runtime.OutcomeGranted},
		{"bad name", nil, "", runtime.OutcomeInvalid},
	} {
		v, out := s.Lookup(c.name, c.grants)
		if v != c.val || out != c.out {
			t.Errorf("Lookup(%q, %v) = %q, %s; want %q, %s", c.name, c.grants, v, out, c.val, c.out)
		}
	}
}

func TestProfileErrorsNameTheProblem(t *testing.T) {
	home := runtimetest.SampleHome(t)
	h, err := runtime.OpenHome(home, runtime.Globals{})
	if err != nil {
		t.Fatal(err)
	}
	e := runtimetest.Engine(t, nil, nil)
	_, err = h.Profile("zed")
	if err == nil || !strings.Contains(err.Error(), `profile "zed": no such profile`) {
		t.Errorf("unknown profile: %v", err)
	}
	_, err = h.Profile("broken-env")
	if err == nil || !strings.Contains(err.Error(), "broken-env/.env line 4: missing '='") {
		t.Errorf("broken .env: %v", err)
	}
	p, err := h.Profile("missing-module")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Open(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), `profile "missing-module": module "ghost"`) || !strings.Contains(err.Error(), "ghost.wasm") {
		t.Errorf("missing module: %v", err)
	}
	if _, err := h.Profile("../etc"); err == nil {
		t.Error("a path outside the home was accepted as a profile name")
	}
	if _, err := h.Profile("Bad Name"); err == nil {
		t.Error("an invalid name was accepted")
	}
}

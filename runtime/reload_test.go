package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// reloadConfig is a profile granting whoami the named secrets.
func reloadConfig(grants string) string {
	return "wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [" + grants + "]\n"
}

// writeProfile writes profiles/name with a config and a .env.
func writeProfile(t *testing.T, home, name, config string) {
	t.Helper()
	dir := filepath.Join(home, "profiles", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("OPENAI_API_KEY=sk-test-"+name+"-reload-91c2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func openReloadFleet(t *testing.T, home string) *runtime.Fleet {
	t.Helper()
	e := runtimetest.Engine(t, nil, nil)
	h, err := runtime.OpenHome(home, runtime.Globals{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := runtime.OpenFleet(context.Background(), e, h, nil, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

func whoami(t *testing.T, f *runtime.Fleet, profile string) error {
	t.Helper()
	tn, ok := f.Tenant(profile)
	if !ok {
		t.Fatalf("%s not served (served %v)", profile, f.Names())
	}
	_, err := tn.CallTool(context.Background(), "whoami", nil)
	return err
}

// TestReloadRevokedGrantIsRefusedOnTheNextCall: after a reload that drops
// a grant, the very next call cannot read the secret, even though an
// instance bound to the old grants sat in the pool; the old tenant refuses
// new calls (ErrRetired).
func TestReloadRevokedGrantIsRefusedOnTheNextCall(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeProfile(t, home, "p1", reloadConfig("OPENAI_API_KEY"))
	f := openReloadFleet(t, home)
	old, _ := f.Tenant("p1")
	if err := whoami(t, f, "p1"); err != nil {
		t.Fatalf("granted call: %v", err)
	}
	writeProfile(t, home, "p1", reloadConfig(""))
	rep, err := f.Reload(context.Background(), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Changed, ",") != "p1" || len(rep.Refused) != 0 {
		t.Fatalf("report %+v", rep)
	}
	var te *runtime.ToolError
	if err := whoami(t, f, "p1"); !errors.As(err, &te) || te.Code != "no_key" {
		t.Fatalf("call after the revocation: %v; want the tool's no_key error", err)
	}
	if _, err := old.CallTool(context.Background(), "whoami", nil); !errors.Is(err, runtime.ErrRetired) {
		t.Fatalf("call on the replaced tenant: %v; want ErrRetired", err)
	}
	// Fleet.Handle always lands on the current tenant.
	if _, err := f.Handle(context.Background(), "p1", abi.HandleRequest{Text: "/call whoami {}"}); err != nil {
		t.Fatalf("Handle after the reload: %v", err)
	}
}

// TestReloadAddsRemovesAndKeepsUnchanged: new directories are served,
// removed ones are not, and an unchanged profile keeps its tenant (no
// reopen, its pool intact).
func TestReloadAddsRemovesAndKeepsUnchanged(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeProfile(t, home, "keep", reloadConfig("OPENAI_API_KEY"))
	writeProfile(t, home, "gone", reloadConfig("OPENAI_API_KEY"))
	f := openReloadFleet(t, home)
	kept, _ := f.Tenant("keep")
	writeProfile(t, home, "new", reloadConfig("OPENAI_API_KEY"))
	if err := os.RemoveAll(filepath.Join(home, "profiles", "gone")); err != nil {
		t.Fatal(err)
	}
	rep, err := f.Reload(context.Background(), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Added, ",") != "new" || strings.Join(rep.Removed, ",") != "gone" || rep.Unchanged != 1 || len(rep.Changed) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := strings.Join(f.Names(), ","); got != "keep,new" {
		t.Fatalf("served %s", got)
	}
	if now, _ := f.Tenant("keep"); now != kept {
		t.Error("an unchanged profile was reopened")
	}
	if err := whoami(t, f, "new"); err != nil {
		t.Fatalf("added profile: %v", err)
	}
	if _, err := f.Handle(context.Background(), "gone", abi.HandleRequest{Text: "hi"}); err == nil {
		t.Fatal("a removed profile still handles messages")
	}
}

// TestReloadKeepsThePreviousConfigOfABrokenProfile: an invalid new config
// is refused with its file and line; the profile keeps serving on its
// previous config (grant included) and the next good config applies.
func TestReloadKeepsThePreviousConfigOfABrokenProfile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeProfile(t, home, "p1", reloadConfig("OPENAI_API_KEY"))
	f := openReloadFleet(t, home)
	writeProfile(t, home, "p1", "wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [OPENAI_API_KEY]\n      limits:\n        memory: lots\n")
	writeProfile(t, home, "p2", "wasmgw:\n  modules: [not, a, mapping]\n")
	rep, err := f.Reload(context.Background(), nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Kept, ",") != "p1" || len(rep.Refused) != 2 {
		t.Fatalf("report %+v", rep)
	}
	msg := rep.Refused["p1"].Error()
	if !strings.Contains(msg, filepath.Join(home, "profiles", "p1", "config.yaml")) || !strings.Contains(msg, "line 7") {
		t.Errorf("error %q does not name the file and line", msg)
	}
	if err := whoami(t, f, "p1"); err != nil {
		t.Fatalf("p1 on its previous config: %v", err)
	}
	if _, ok := f.Tenant("p2"); ok || f.Err("p2") == nil {
		t.Fatal("p2 (never valid) is served or has no error")
	}
	writeProfile(t, home, "p1", reloadConfig(""))
	if rep, err = f.Reload(context.Background(), nil, 2); err != nil || strings.Join(rep.Changed, ",") != "p1" {
		t.Fatalf("fixed config: %+v, %v", rep, err)
	}
	var te *runtime.ToolError
	if err := whoami(t, f, "p1"); !errors.As(err, &te) {
		t.Fatalf("fixed config not applied: %v", err)
	}
}

// TestReloadLetsARemovedProfilesRunningCallFinish: removing a profile
// while one of its calls runs neither kills nor breaks that call; it ends
// on its own terms (here, its interrupt), and the profile takes no more.
func TestReloadLetsARemovedProfilesRunningCallFinish(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeProfile(t, home, "stay", reloadConfig(""))
	writeProfile(t, home, "spinner", "wasmgw:\n  limits:\n    timeout: 60s\n  modules:\n    spin:\n      path: "+runtimetest.Hostile(t, "spin")+"\n")
	f := openReloadFleet(t, home)
	tn, _ := f.Tenant("spinner")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := tn.CallTool(ctx, "attack", nil)
		done <- err
	}()
	waitLive(t, f, "spinner")
	if err := os.RemoveAll(filepath.Join(home, "profiles", "spinner")); err != nil {
		t.Fatal(err)
	}
	rep, err := f.Reload(context.Background(), nil, 2)
	if err != nil || strings.Join(rep.Removed, ",") != "spinner" {
		t.Fatalf("report %+v, %v", rep, err)
	}
	select {
	case err := <-done:
		t.Fatalf("the running call ended with the reload: %v", err)
	default:
	}
	if _, err := tn.CallTool(context.Background(), "attack", nil); !errors.Is(err, runtime.ErrRetired) {
		t.Fatalf("a new call on the removed profile: %v; want ErrRetired", err)
	}
	cancel()
	var ce *runtime.CallError
	if err := <-done; !errors.As(err, &ce) || ce.Kind != runtime.KindInterrupted {
		t.Fatalf("the running call ended with %v; want its own interrupt", err)
	}
}

// waitLive waits until profile has a live instance (a call running).
func waitLive(t *testing.T, f *runtime.Fleet, profile string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		live := 0
		f.Instances(func(p string, c runtime.InstanceCounts) {
			if p == profile {
				live = c.Live
			}
		})
		if live > 0 {
			return
		}
		goruntime.Gosched()
	}
	t.Fatalf("%s never ran a call", profile)
}

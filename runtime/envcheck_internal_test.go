package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrokenEnvRefusesUntilFixed: once a changed .env fails to parse, every
// call is refused until it is fixed; the calls within the check interval
// do not fall back on the values it had before.
func TestBrokenEnvRefusesUntilFixed(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "profiles", "p")
	if err := os.MkdirAll(prof, 0o700); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(prof, ".env")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(env, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("KEY=sk-test-old-0123456789\n")
	h, err := OpenHome(dir, Globals{})
	if err != nil {
		t.Fatal(err)
	}
	h.SetEnvCheckInterval(time.Minute)
	p, err := h.Profile("p")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := p.scopeAt(t0); err != nil {
		t.Fatal(err)
	}
	write("KEY=sk-test-new-0123456789\nthis line is not a variable at all, and longer\n")
	for i, at := range []time.Time{t0.Add(time.Minute), t0.Add(time.Minute + time.Second), t0.Add(90 * time.Second)} {
		if s, err := p.scopeAt(at); err == nil || !strings.Contains(err.Error(), ".env") {
			t.Fatalf("call %d after the .env broke: scope %v, err %v; want the parse error", i, s != nil, err)
		}
	}
	write("KEY=sk-test-new-0123456789\n")
	if _, err := p.scopeAt(t0.Add(2 * time.Minute)); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
}

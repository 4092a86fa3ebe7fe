package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// One call's input has one cap, however it is given: over it, a clear
// error and no call (stdin used to be cut silently at 64 MiB, a file had
// no cap at all).
func TestRunInputOverTheCapIsRefusedTheSameWayFromStdinAndFile(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxInput + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := run(t, "", nil, "run", "--home", home, "--profile", "alice", "--tool", "whoami", "--input", "@"+big, cacheFlag())
	if r.code == 0 || !strings.Contains(r.stderr, "64 MiB") || !strings.Contains(r.stderr, "@"+big) {
		t.Fatalf("--input @FILE over the cap: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, strings.Repeat(" ", maxInput+1), nil, "run", "--home", home, "--profile", "alice", "--tool", "whoami", "--input", "-", cacheFlag())
	if r.code == 0 || !strings.Contains(r.stderr, "64 MiB") || !strings.Contains(r.stderr, "--input -") {
		t.Fatalf("--input - over the cap: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A chat line too long for one message is refused with a message; the
// session goes on and answers the next line (it used to end with
// "bufio.Scanner: token too long").
func TestRunRelayRefusesALongLineAndGoesOn(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, strings.Repeat("x", 2<<20)+"\nhello\n", nil,
		"run", "--relay", "--home", home, "--profile", "alice", cacheFlag())
	if r.code != 0 || !strings.Contains(r.stderr, "line 1 not sent") || !strings.Contains(r.stdout, "alice: echo: hello") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "token too long") {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

// A stray word is an error, not ignored.
func TestStrayArgumentIsAnError(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"run", "--profile", "alice", "whoami"},
		{"mcp", "resolve", "alice"},
		{"version", "now"},
	} {
		r := run(t, "", nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "unexpected argument") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// Help shows a boolean flag as a flag, not "--help[=true|false]".
func TestHelpHasNoBooleanNoise(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "audit", "gateway", "bench"} {
		r := run(t, "", nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "--help ") || strings.Contains(r.stdout, "[=true|false]") {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
}

// A flag that would do nothing does not exist: bench writes its own home,
// enroll compiles nothing.
func TestFlagsThatDoNothingAreRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"bench", "--home", "/srv/wasmgw"},
		{"gateway", "enroll", "--token", "t", "--cache-dir", "/tmp/x"},
	} {
		r := run(t, "", nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "unknown flag") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// A missing home says what to do.
func TestMissingHomeSaysWhatToDo(t *testing.T) {
	t.Parallel()
	r := run(t, "", nil, "run", "--home", filepath.Join(t.TempDir(), "nope"), "--profile", "alice", "--tool", "whoami")
	if r.code == 0 || !strings.Contains(r.stderr, "does not exist") || !strings.Contains(r.stderr, "--home") || !strings.Contains(r.stderr, "WASMGW_HOME") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// mcp resolve on a profile given as a path needs no other home (HOME has
// no .wasmgw here, and neither --home nor WASMGW_HOME is set).
func TestMCPResolvePathProfileNeedsNoHome(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "", nil, "mcp", "resolve", "--profile", filepath.Join(home, "profiles", "alice"), cacheFlag())
	if r.code != 0 || !strings.Contains(r.stdout, "github") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// The tool-level trial (make try) speaks the chat's words (make run):
// /tools, /call TOOL JSON, /quit.
func TestTrialSpeaksTheChatVocabulary(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "/tools\n/call whoami {}\n/audit\n/quit\n", nil, "run", "--home", home, "--profile", "alice", cacheFlag())
	if r.code != 0 || !strings.Contains(r.stdout, `"key_sha256": "`+sha("sk-test-alice-7f3a9c1e5b")) || !strings.Contains(r.stdout, "/call TOOL") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, `no tool "/`) || strings.Contains(r.stdout+r.stderr, "unknown tool") {
		t.Fatalf("a slash command was taken for a tool:\n%s\n%s", r.stdout, r.stderr)
	}
}

// After a clone the sample .env files are 0644 (git keeps no other mode):
// the audit still flags them, with the fix, and the README's step (make
// testhome) makes the sample home pass that check.
func TestCloneModesAndMakeTesthome(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	src := filepath.Join(runtimetest.RepoRoot(t), "testdata", "home")
	home := filepath.Join(t.TempDir(), "home")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "logs" {
			return filepath.SkipDir
		}
		dst := filepath.Join(home, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644) // as a clone has it
	})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "", nil, "audit", "--static-only", "--home", home)
	if r.code != 1 || !strings.Contains(r.stdout, "env.readable-by-others") || !strings.Contains(r.stdout, "chmod 600") {
		t.Fatalf("audit of a fresh clone's modes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mk := exec.Command("make", "-s", "testhome", "HOME_DIR="+home)
	mk.Dir = runtimetest.RepoRoot(t)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make testhome: %v\n%s", err, out)
	}
	r = run(t, "", nil, "audit", "--static-only", "--home", home)
	if strings.Contains(r.stdout, "env.readable-by-others") {
		t.Fatalf("after make testhome the audit still reports a readable .env:\n%s", r.stdout)
	}
}

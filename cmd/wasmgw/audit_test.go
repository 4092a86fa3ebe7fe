package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime/inspect"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// auditBin is the CLI, with the committed hostile modules embedded.
func auditBin(t *testing.T) string {
	t.Helper()
	runtimetest.EmbedHostile(t)
	return wasmgwBin(t)
}

func runAudit(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(auditBin(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func noFakeValues(t *testing.T, home string, texts ...string) {
	t.Helper()
	for _, v := range runtimetest.FakeValues(t, home) {
		for _, s := range texts {
			if strings.Contains(s, v) {
				t.Errorf("the output holds the value %q", v)
			}
		}
	}
}

// TestAuditSampleHomePasses runs the whole audit, hostile suite included,
// on a copy of the sample home.
func TestAuditSampleHomePasses(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	start := time.Now()
	r := runAudit(t, "audit", "--home", home, cacheFlag())
	t.Logf("wasmgw audit took %s", time.Since(start).Round(time.Millisecond))
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"PROFILES", "MODULES", "FINDINGS", "HOSTILE SUITE", "grants.all-names", "memory.go-bomb", "loop.go",
		"exfil.anywhere", `Neighbour "neighbour" during the suite`, "RESULT: PASS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	for _, id := range inspect.RowIDs() {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("the table lacks row %s", id)
		}
	}
	if strings.Contains(r.stdout, "FAIL") {
		t.Errorf("a row failed:\n%s", r.stdout)
	}
	noFakeValues(t, home, r.stdout, r.stderr)
}

func TestAuditFailsOnAPlantedModule(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	dir := filepath.Join(home, "profiles", "mallory", "modules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(runtimetest.Hostile(t, "unknown_import"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evil.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "profiles", "mallory", "config.yaml"), []byte("wasmgw:\n  modules:\n    evil: modules/evil.wasm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runAudit(t, "audit", "--home", home, "--static-only", "--format", "json", cacheFlag())
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	rep, err := inspect.ParseReport([]byte(r.stdout))
	if err != nil {
		t.Fatalf("the JSON report does not parse: %v\n%s", err, r.stdout)
	}
	found := false
	for _, f := range rep.Findings {
		if f.ID == "module.foreign-import" && f.Severity == inspect.SeverityHigh && f.Profile == "mallory" && f.Module == "evil" && strings.Contains(f.Message, "env.exfiltrate") {
			found = true
		}
	}
	if !found || rep.Summary.ExitStatus != 1 {
		t.Errorf("findings %+v summary %+v", rep.Findings, rep.Summary)
	}
	// The text form names it too.
	r = runAudit(t, "audit", "--home", home, "--static-only", "--profile", "mallory", cacheFlag())
	if r.code != 1 || !strings.Contains(r.stdout, "module.foreign-import") || !strings.Contains(r.stdout, "RESULT: FAIL") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}

func TestAuditFailsOnAGroupReadableEnv(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	if err := os.Chmod(filepath.Join(home, "profiles", "bob", ".env"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := runAudit(t, "audit", "--home", home, "--static-only", cacheFlag())
	if r.code != 1 || !strings.Contains(r.stdout, "env.readable-by-others") || !strings.Contains(r.stdout, "readable by its group (mode 0640)") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	noFakeValues(t, home, r.stdout, r.stderr)
}

func TestAuditOutAndUsage(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	out := filepath.Join(t.TempDir(), "audit.md")
	r := runAudit(t, "audit", "--home", home, "--static-only", "--profile", "alice", "--format", "markdown", "--out", out, cacheFlag())
	if r.code != 0 || !strings.HasPrefix(r.stdout, "PASS: markdown report written to") {
		t.Fatalf("exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte("## Findings")) {
		t.Fatalf("report file: %v\n%s", err, b)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--format", "yaml"}, 2, `--format "yaml"`},
		{[]string{"--profile", "zed"}, 1, `profile "zed": no such profile`},
		{[]string{"alice"}, 2, `unexpected argument "alice"`},
		{[]string{"--bogus"}, 2, "unknown flag: --bogus"},
	} {
		r := runAudit(t, append([]string{"audit", "--home", home, "--static-only", cacheFlag()}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d stderr %q; want %d and %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
	r = runAudit(t, "audit", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--static-only") || !strings.Contains(r.stdout, "wasmgw.audit/v1") {
		t.Errorf("help: %d %s", r.code, r.stdout)
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	logs := filepath.Join(home, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	lines := strings.Join([]string{
		`{"time":"2025-05-01T10:00:00Z","profile":"alice","module":"whoami","module_sha256":"a","name":"OPENAI_API_KEY","outcome":"granted"}`,
		`{"time":"2025-05-01T10:01:00Z","profile":"alice","module":"whoami","module_sha256":"a","name":"OPENAI_API_KEY","outcome":"granted"}`,
		`{"time":"2025-05-01T10:02:00Z","profile":"alice","module":"whoami","module_sha256":"a","name":"GITHUB_TOKEN","outcome":"denied"}`,
		`{"time":"2025-05-01T10:03:00Z","profile":"bob","module":"whoami","module_sha256":"b","name":"AWS_KEY","outcome":"not_found"}`,
		`this line is broken`,
		`{"time":"2025-05-01T10:04:00Z","kind":"egress","profile":"alice","module":"fetch","module_sha256":"c","name":"","outcome":"refused","host":"https://evil.example:443","reason":"host_not_allowed"}`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(logs, "audit.jsonl"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runAudit(t, "audit", "log", "--home", home)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	denied, granted := strings.Index(r.stdout, "GITHUB_TOKEN"), strings.Index(r.stdout, "OPENAI_API_KEY")
	if denied < 0 || granted < 0 || denied > granted {
		t.Errorf("denials are not first:\n%s", r.stdout)
	}
	for _, want := range []string{"5 records", "1 malformed lines", "line 5: not an audit record", "host_not_allowed", "granted    alice    whoami  OPENAI_API_KEY  2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runAudit(t, "audit", "log", "--home", home, "--profile", "bob", "--since", "2025-05-01", "--format", "json")
	var s inspect.AuditSummary
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &s) != nil || s.Records != 1 || s.Reads[0].Name != "AWS_KEY" || s.MalformedCount != 1 {
		t.Errorf("json: exit %d %s %+v", r.code, r.stdout, s)
	}
	if r := runAudit(t, "audit", "log", "--home", home, "--since", "last week"); r.code != 2 || !strings.Contains(r.stderr, `--since "last week"`) {
		t.Errorf("bad --since: %d %q", r.code, r.stderr)
	}
	if r := runAudit(t, "audit", "log", "--file", filepath.Join(home, "nope.jsonl")); r.code != 1 || !strings.Contains(r.stderr, "nope.jsonl") {
		t.Errorf("missing file: %d %q", r.code, r.stderr)
	}
}

// A module whose declared initial memory exceeds its limit used to panic
// the host at load (every profile down) while the audit passed it. The
// real CLI now fails the audit with a high finding naming the profile, the
// module and the pages, the load check records the refusal, and the same
// home passes again once the module is removed.
func TestAuditFailsOnADeclaredMemoryOverLimit(t *testing.T) {
	home := runtimetest.SampleHome(t)
	pdir := filepath.Join(home, "profiles", "mallory")
	if err := os.MkdirAll(filepath.Join(pdir, "modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(runtimetest.Hostile(t, "big_memory"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "modules", "big.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	config := func(modules string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(pdir, "config.yaml"), []byte("wasmgw:\n  modules:\n    whoami: builtin:whoami\n"+modules), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config("    big: modules/big.wasm\n")
	r := runAudit(t, "audit", "--home", home, "--profile", "mallory", "--format", "json", cacheFlag())
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	rep, err := inspect.ParseReport([]byte(r.stdout))
	if err != nil {
		t.Fatalf("the JSON report does not parse: %v\n%s", err, r.stdout)
	}
	found := false
	for _, f := range rep.Findings {
		if f.ID == "module.memory-over-limit" && f.Severity == inspect.SeverityHigh && f.Profile == "mallory" && f.Module == "big" && strings.Contains(f.Message, "4096 pages") {
			found = true
		}
	}
	if !found {
		t.Errorf("no high module.memory-over-limit finding: %+v", rep.Findings)
	}
	for _, p := range rep.Profiles {
		if p.Name == "mallory" && (p.Load == nil || p.Load.OK || !strings.Contains(p.Load.Error, "4096 pages")) {
			t.Errorf("load check of mallory: %+v", p.Load)
		}
	}
	// Removed: the home passes (the hostile suite ran above; the files are
	// what changed).
	config("")
	r = runAudit(t, "audit", "--home", home, "--profile", "mallory", "--static-only", cacheFlag())
	if r.code != 0 || !strings.Contains(r.stdout, "RESULT: PASS") {
		t.Errorf("without the module: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

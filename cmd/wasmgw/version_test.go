package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// versionLines is what "wasmgw version" prints: the version, the revision
// (or why it is unknown), then the Go version, platform and guest ABI.
var versionLines = []*regexp.Regexp{
	regexp.MustCompile(`^wasmgw (\(devel\)|v\d+\.\d+\.\d+\S*)$`),
	regexp.MustCompile(`^(revision [0-9a-f]{40}( \(.*\))?|revision unknown \(built outside a git checkout, or with -buildvcs=false\))$`),
	regexp.MustCompile(`^go1\.\d+\S* ` + runtime.GOOS + `/` + runtime.GOARCH + `, guest ABI v1$`),
}

func checkVersionOutput(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(versionLines) {
		t.Fatalf("version printed %d lines, want %d:\n%s", len(lines), len(versionLines), out)
	}
	for i, re := range versionLines {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d %q does not match %s", i+1, lines[i], re)
		}
	}
	return lines
}

// TestVersionCommand runs the real binary: "version" and "--version" print
// the same stamped version; --json carries the same fields.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	r := run(t, "", nil, "version")
	if r.code != 0 {
		t.Fatalf("version: exit %d: %s", r.code, r.stderr)
	}
	checkVersionOutput(t, r.stdout)
	r2 := run(t, "", nil, "--version")
	if r2.code != 0 || r2.stdout != r.stdout {
		t.Fatalf("--version: exit %d, %q; want the output of version %q", r2.code, r2.stdout, r.stdout)
	}
	rj := run(t, "", nil, "version", "--json")
	var got struct {
		Module    string `json:"module"`
		Version   string `json:"version"`
		GoVersion string `json:"go_version"`
		ABI       int    `json:"abi_version"`
	}
	if err := json.Unmarshal([]byte(rj.stdout), &got); err != nil {
		t.Fatalf("version --json: %v: %q", err, rj.stdout)
	}
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	if got.Module != "github.com/wasmgw/wasmgw" || "wasmgw "+got.Version != first || got.ABI != 1 || !strings.HasPrefix(got.GoVersion, "go1.") {
		t.Fatalf("version --json = %+v; text said %q", got, first)
	}
}

// TestVersionLdflagsOverride: a release build naming its version with
// -ldflags "-X main.version=..." prints that version, built for real into
// a temporary directory.
func TestVersionLdflagsOverride(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "wasmgw")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := checkVersionOutput(t, string(out))
	if lines[0] != "wasmgw v9.8.7-test" {
		t.Fatalf("first line %q, want the -ldflags version", lines[0])
	}
}

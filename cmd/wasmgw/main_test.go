package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain gives the package's tests one scratch directory (the CLI binary,
// the compilation cache, built modules), removed when they end.
func TestMain(m *testing.M) { os.Exit(runtimetest.Main(m)) }

// wasmgwBin builds the real CLI once per test binary, into the scratch
// directory, with the committed built-in and hostile modules embedded.
func wasmgwBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir := runtimetest.Scratch()
		if dir == "" {
			buildErr = os.ErrNotExist
			binPath = "no scratch directory: TestMain must call runtimetest.Main"
			return
		}
		binPath = filepath.Join(dir, "wasmgw")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build wasmgw: %v\n%s", buildErr, binPath)
	}
	return binPath
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs the CLI with a built environment: the given extra variables on
// top of PATH and HOME.
func run(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(wasmgwBin(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Stdin = strings.NewReader(stdin)
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

// proc is the CLI running in the background (see start).
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *runtimetest.LogWatcher
	stderr *runtimetest.LogWatcher
	done   chan struct{} // closed when the process has exited
	code   int           // its exit status, once done
}

// start starts the CLI with a built environment (as run) and pipes: a
// test writes to stdin, and waits on what stdout and stderr show with
// Seen, never with a sleep. The process is killed if the test ends first.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(wasmgwBin(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	p := &proc{cmd: cmd, stdout: &runtimetest.LogWatcher{}, stderr: &runtimetest.LogWatcher{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to exit (at most until ctx is done) and
// returns its exit status.
func (p *proc) wait(t *testing.T, ctx context.Context) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-ctx.Done():
		t.Fatalf("the process did not exit: %v\nstdout:\n%s\nstderr:\n%s", ctx.Err(), p.stdout, p.stderr)
		return -1
	}
}

// seen waits until w shows text (at most until ctx is done).
func (p *proc) seen(t *testing.T, ctx context.Context, w *runtimetest.LogWatcher, text string) {
	t.Helper()
	select {
	case <-w.Seen(text):
	case <-p.done:
		select {
		case <-w.Seen(text):
		default:
			t.Fatalf("the process exited with %d before showing %q\nstdout:\n%s\nstderr:\n%s", p.code, text, p.stdout, p.stderr)
		}
	case <-ctx.Done():
		t.Fatalf("waiting for %q: %v\nstdout:\n%s\nstderr:\n%s", text, ctx.Err(), p.stdout, p.stderr)
	}
}

// noLeak fails if any fake secret value of home, or any of extra, is in
// text.
func noLeak(t *testing.T, home, text string, extra ...string) {
	t.Helper()
	for _, v := range append(runtimetest.FakeValues(t, home), extra...) {
		if strings.Contains(text, v) {
			t.Errorf("value %q leaked into the output", v)
		}
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func cacheFlag() string { return "--cache-dir=" + runtimetest.CacheDir() }

func TestRunOneCallIgnoresTheShellEnvironment(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "", []string{"OPENAI_API_KEY=sk-exported-by-the-shell"},
		"run", "--home", home, "--profile", "alice", "--tool", "whoami", "--input", "{}", cacheFlag())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := `{"profile":"alice","key_sha256":"` + sha("sk-test-alice-7f3a9c1e5b") + `"}` + "\n"
	if r.stdout != want {
		t.Fatalf("stdout %q, want %q", r.stdout, want)
	}
	// The audit trail of the call landed in the home's log, without values.
	data, err := os.ReadFile(filepath.Join(home, "logs", "audit.jsonl"))
	if err != nil || !bytes.Contains(data, []byte(`"name":"OPENAI_API_KEY","outcome":"granted"`)) {
		t.Fatalf("audit log: %v %s", err, data)
	}
	for _, v := range runtimetest.FakeValues(t, home) {
		if bytes.Contains(data, []byte(v)) || strings.Contains(r.stdout+r.stderr, v) {
			t.Errorf("value %q leaked", v)
		}
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown profile", []string{"--profile", "zed", "--tool", "whoami"}, 1, `profile "zed": no such profile`},
		{"broken .env", []string{"--profile", "broken-env", "--tool", "whoami"}, 1, "broken-env/.env line 4: missing '='"},
		{"missing module", []string{"--profile", "missing-module", "--tool", "whoami"}, 1, `module "ghost": read module`},
		{"unknown tool", []string{"--profile", "alice", "--tool", "nope"}, 1, `tool "nope": unknown tool`},
		{"bad input", []string{"--profile", "alice", "--tool", "whoami", "--input", "{"}, 1, "input is not valid JSON"},
		{"denied", []string{"--profile", "alice", "--tool", "whoami", "--input", `{"name":"GITHUB_TOKEN"}`}, 1, "not granted"},
		{"no profile", []string{"--tool", "whoami"}, 2, "--profile is required"},
		{"bad flag", []string{"--bogus"}, 2, "unknown flag: --bogus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, "", nil, append([]string{"run", "--home", home, cacheFlag()}, c.args...)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d stderr %q; want exit %d and %q", r.code, r.stderr, c.code, c.want)
			}
		})
	}
}

func TestRunInteractive(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	r := run(t, "tools\nwhoami\ncall text_stats {\"text\":\"to be or not to be\"}\necho {\"hi\":1}\nnope\naudit\nquit\n", nil,
		"run", "--home", home, "--profile", "alice", cacheFlag())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`Tools of profile "alice"`, "whoami", "text_stats", "[module echo]",
		sha("sk-test-alice-7f3a9c1e5b"),
		`"word": "be"`, `"hi": 1`,
		`error: no tool "nope"`,
		"OPENAI_API_KEY       granted",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	r := run(t, "", nil, "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "run ") || !strings.Contains(r.stdout, "version") {
		t.Fatalf("help: %d %q", r.code, r.stdout)
	}
	r = run(t, "", nil, "run", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--profile") || !strings.Contains(r.stdout, "Secrets come only from the profile's .env") {
		t.Fatalf("run --help: %d %q", r.code, r.stdout)
	}
	r = run(t, "", nil, "version")
	if r.code != 0 || !strings.Contains(r.stdout, "guest ABI v1") {
		t.Fatalf("version: %d %q", r.code, r.stdout)
	}
	r = run(t, "", nil, "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", r.code, r.stderr)
	}
}

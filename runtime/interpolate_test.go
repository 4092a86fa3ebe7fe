package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/mcp"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// openTenant opens profile name of home with no host globals, closed when
// the test ends.
func openTenant(t *testing.T, e *runtime.Engine, home, name string) *runtime.Tenant {
	t.Helper()
	ten, err := e.Open(context.Background(), runtimetest.OpenProfile(t, home, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ten.Close(context.Background()) })
	return ten
}

func entryOf(t *testing.T, ten *runtime.Tenant, server string) json.RawMessage {
	t.Helper()
	srv, err := ten.ResolveMCP(context.Background(), server)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Masked.JSON()
}

const referenceEnv = `MY_MCP_TOKEN=mcp-test-alice-c0ffee
X=ex
OUTER='has ${MY_MCP_TOKEN} inside'
EMPTY_ONE=
`

// TestInterpolateReferenceCases runs the reference's cases through the
// real built-in module (builtin:interpolate, built by make guests).
func TestInterpolateReferenceCases(t *testing.T) {
	t.Setenv("ONLY_IN_HOST", "host-value-must-not-be-used")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alice": {Env: referenceEnv}})
	audit := &runtime.MemoryAudit{}
	e := runtimetest.Engine(t, nil, audit)
	ten := openTenant(t, e, home, "alice")

	entry := `{"command":"npx","args":["-y","${X}",8080,true,null],"env":{"TOKEN":"${MY_MCP_TOKEN}","MISSING":"${UNSET}",` +
		`"CURSOR":"${env:X}","${MY_MCP_TOKEN}":"keys are untouched","NESTED":"${OUTER}","EMPTY":"${EMPTY_ONE}",` +
		`"HOST":"${ONLY_IN_HOST}","SHELL_FORM":"${X:-default}"},"timeout":1.5}`
	res, err := ten.Interpolate(context.Background(), "github", json.RawMessage(entry))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Args    []any
		Env     map[string]string
		Timeout json.Number
	}
	dec := json.NewDecoder(strings.NewReader(string(res.Entry)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TOKEN":           "mcp-test-alice-c0ffee",      // resolves from the profile
		"MISSING":         "${UNSET}",                   // unset keeps the literal
		"CURSOR":          "ex",                         // ${env:X} works
		"${MY_MCP_TOKEN}": "keys are untouched",         // keys are untouched
		"NESTED":          "has ${MY_MCP_TOKEN} inside", // no second expansion
		"EMPTY":           "${EMPTY_ONE}",               // empty is unset
		"HOST":            "${ONLY_IN_HOST}",            // never the host's environment
		"SHELL_FORM":      "${X:-default}",              // unsupported, kept
	}
	if !reflect.DeepEqual(got.Env, want) {
		t.Errorf("env\n got %v\nwant %v", got.Env, want)
	}
	if fmt.Sprint(got.Args) != "[-y ex 8080 true <nil>]" || got.Timeout != "1.5" {
		t.Errorf("args %v timeout %v", got.Args, got.Timeout)
	}
	outcomes := map[string]string{}
	for _, r := range res.Refs {
		outcomes[r.Path] = r.Outcome
	}
	for path, o := range map[string]string{"env.TOKEN": abi.RefResolved, "env.MISSING": abi.RefUnset, "env.CURSOR": abi.RefResolved,
		"env.NESTED": abi.RefResolved, "env.EMPTY": abi.RefUnset, "env.HOST": abi.RefUnset, "env.SHELL_FORM": abi.RefUnsupported, "args[1]": abi.RefResolved} {
		if outcomes[path] != o {
			t.Errorf("%s: outcome %q, want %q", path, outcomes[path], o)
		}
	}
	// Every read went through the host, audited by name under the
	// interpolation module.
	var names []string
	for _, r := range audit.Records() {
		if r.Module != "interpolate" || r.Profile != "alice" {
			t.Errorf("audit record %+v", r)
		}
		names = append(names, r.Name+":"+string(r.Outcome))
	}
	sort.Strings(names)
	wantAudit := []string{"EMPTY_ONE:granted", "MY_MCP_TOKEN:granted", "ONLY_IN_HOST:not_found", "OUTER:granted", "UNSET:not_found", "X:granted"}
	if !reflect.DeepEqual(names, wantAudit) {
		t.Errorf("audit %v, want %v", names, wantAudit)
	}
}

// TestSampleAliceInterpolationIsNotLimitedByWhoamisGrants: alice's whoami
// module is granted only OPENAI_API_KEY; the default interpolation module
// reads every name of its own profile, and only of it.
func TestSampleAliceInterpolationIsNotLimitedByWhoamisGrants(t *testing.T) {
	home := runtimetest.SampleHome(t)
	e := runtimetest.Engine(t, nil, nil)
	alice, bob := openTenant(t, e, home, "alice"), openTenant(t, e, home, "bob")
	entry := json.RawMessage(`{"command":"srv","env":{"T":"${MY_MCP_TOKEN}","G":"${GITHUB_TOKEN}"}}`)
	for ten, want := range map[*runtime.Tenant][2]string{alice: {"mcp-test-alice-c0ffee", "ghp_test_alice_51d0e2"}, bob: {"mcp-test-bob-decade", "ghp_test_bob_9a7b3c"}} {
		res, err := ten.Interpolate(context.Background(), "github", entry)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Env map[string]string }
		if err := json.Unmarshal(res.Entry, &got); err != nil || got.Env["T"] != want[0] || got.Env["G"] != want[1] {
			t.Errorf("%s: env %v (%v)", ten.Profile().Name, got.Env, err)
		}
	}
}

// TestInterpolationModuleGrants: a profile names a module of its own under
// wasmgw.modules; that module's grants apply to interpolation.
func TestInterpolationModuleGrants(t *testing.T) {
	wasm := runtimetest.GoModule(t, "guest/modules/interpolate")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "A=alpha\nB=bravo\n",
		Config: fmt.Sprintf("wasmgw:\n  interpolation: interp\n  modules:\n    interp:\n      path: %s\n      grants: [A]\n", wasm),
	}})
	audit := &runtime.MemoryAudit{}
	ten := openTenant(t, runtimetest.Engine(t, nil, audit), home, "p")
	res, err := ten.Interpolate(context.Background(), "s", json.RawMessage(`{"command":"x","env":{"A":"${A}","B":"${B}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Entry) != `{"command":"x","env":{"A":"alpha","B":"${B}"}}` {
		t.Errorf("entry %s", res.Entry)
	}
	denied := false
	for _, r := range audit.Records() {
		if r.Name == "B" && r.Outcome == runtime.OutcomeDenied && r.Module == "interp" {
			denied = true
		}
	}
	if !denied {
		t.Errorf("no denied read of B in %+v", audit.Records())
	}
}

// TestInvalidInterpolationResultsAreRefused runs a misbehaving
// interpolation module (testdata/mcpserver/badinterp): each way of breaking
// the contract is refused with an error naming the profile and server.
func TestInvalidInterpolationResultsAreRefused(t *testing.T) {
	wasm := runtimetest.GoModule(t, "testdata/mcpserver/badinterp")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "TOKEN=tok-must-not-appear-in-errors\n",
		Config: "wasmgw:\n  interpolation: " + wasm + "\n",
	}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	entry := json.RawMessage(`{"command":"srv","args":["a"],"env":{"T":"${TOKEN}"}}`)
	for server, want := range map[string]string{
		"not-object":     "the entry is a list, not a mapping",
		"changed-key":    "the entry changed shape at env.T",
		"command-list":   "the entry changed shape at command",
		"changed-silent": "args[0] changed but no reference there was reported resolved",
		"bad-path":       `refs[0]: "nope" is not a string field`,
		"bad-outcome":    "unknown outcome",
		"extra-field":    "not an interpolation result",
		"not-json":       "not an interpolation result",
		"fails":          "interpolate_failed: deliberately",
		"leaks":          "deliberately", // an error message is redacted
	} {
		_, err := ten.Interpolate(context.Background(), server, entry)
		if err == nil {
			t.Errorf("%s: accepted", server)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, `profile "p": mcp server "`+server+`"`) || !strings.Contains(msg, want) {
			t.Errorf("%s: err = %v, want %q", server, err, want)
		}
		if strings.Contains(msg, "tok-must-not-appear-in-errors") {
			t.Errorf("%s: the error shows a secret: %v", server, err)
		}
	}
	if _, err := ten.Interpolate(context.Background(), "ok", entry); err != nil {
		t.Errorf("the well-behaved case: %v", err)
	}
}

func TestAModuleWithoutTheExportIsRefused(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {Config: "wasmgw:\n  interpolation: builtin:whoami\n"}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	_, err := ten.Interpolate(context.Background(), "s", json.RawMessage(`{"command":"x"}`))
	if err == nil || !strings.Contains(err.Error(), `profile "p": interpolation module "builtin:whoami" exports no wasmgw_interpolate`) {
		t.Errorf("err = %v", err)
	}
}

// mcpHome writes alice and bob (the sample home's .env files) with a
// github server each, run by the test MCP server, plus anything in extra.
func mcpHome(t *testing.T, server, extra string) string {
	t.Helper()
	home := runtimetest.SampleHome(t)
	for _, p := range []string{"alice", "bob"} {
		cfg := "wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [OPENAI_API_KEY]\n" +
			"mcp_servers:\n  github:\n    command: " + server + "\n    env:\n      TOKEN: ${GITHUB_TOKEN}\n      FIXED: not-a-secret\n" + extra
		if err := os.WriteFile(filepath.Join(home, "profiles", p, "config.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

type whoamiOut struct {
	StructuredContent struct {
		EnvNames    []string `json:"env_names"`
		TokenSHA256 string   `json:"token_sha256"`
		PID         int      `json:"pid"`
	} `json:"structuredContent"`
}

func callWhoami(ctx context.Context, ten *runtime.Tenant, tool string) (whoamiOut, error) {
	var w whoamiOut
	out, err := ten.CallTool(ctx, tool, nil)
	if err != nil {
		return w, err
	}
	return w, json.Unmarshal(out, &w)
}

// TestTwoProfilesSameServerNameOwnCredentialsConcurrently: alice's and
// bob's "github" servers have the same name and different tokens; each
// profile gets its own child with its own token, under concurrent calls.
func TestTwoProfilesSameServerNameOwnCredentialsConcurrently(t *testing.T) {
	t.Setenv("LEAK_ME", "host-only-value")
	home := mcpHome(t, mcptest.Server(t), "")
	e := runtimetest.Engine(t, nil, nil)
	alice, bob := openTenant(t, e, home, "alice"), openTenant(t, e, home, "bob")
	for _, ten := range []*runtime.Tenant{alice, bob} {
		ten.SetMCPOptions(runtime.MCPOptions{Environ: os.Environ()})
	}
	want := map[*runtime.Tenant]string{alice: sha("ghp_test_alice_51d0e2"), bob: sha("ghp_test_bob_9a7b3c")}
	wantNames := []string{"FIXED", "TOKEN"}
	for k := range mcp.Baseline(os.Environ()) {
		wantNames = append(wantNames, k)
	}
	sort.Strings(wantNames)

	const workers, calls = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls)
	pids := sync.Map{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				ten := alice
				if (w+i)%2 == 1 {
					ten = bob
				}
				got, err := callWhoami(context.Background(), ten, "mcp.github.whoami")
				switch {
				case err != nil:
					errs <- err
				case got.StructuredContent.TokenSHA256 != want[ten]:
					errs <- fmt.Errorf("%s saw token %s", ten.Profile().Name, got.StructuredContent.TokenSHA256)
				case !reflect.DeepEqual(got.StructuredContent.EnvNames, wantNames):
					errs <- fmt.Errorf("%s's child got %v, want exactly %v", ten.Profile().Name, got.StructuredContent.EnvNames, wantNames)
				default:
					pids.Store(ten.Profile().Name+fmt.Sprint(got.StructuredContent.PID), true)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	pids.Range(func(any, any) bool { n++; return true })
	if n != 2 {
		t.Errorf("%d server processes served the two profiles, want one each", n)
	}
}

func TestMCPToolsAreListedAndCalledNextToWasmTools(t *testing.T) {
	home := mcpHome(t, mcptest.Server(t), "    tools:\n      exclude: [spawn]\n")
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "alice")
	// Listing never connects: until a server is connected, only the wasm
	// tools are listed.
	if tools := ten.Tools(); len(tools) != 1 || tools[0].Name != "whoami" {
		t.Fatalf("before connecting: %+v", tools)
	}
	if err := ten.ConnectMCP(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range ten.Tools() {
		names = append(names, tool.Name+"@"+tool.Module)
	}
	want := []string{"whoami@whoami", "mcp.github.whoami@mcp:github", "mcp.github.fail@mcp:github", "mcp.github.echo@mcp:github", "mcp.github.stderr@mcp:github"}
	sort.Strings(names)
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
	ctx := context.Background()
	if out, err := ten.CallTool(ctx, "mcp.github.echo", []byte(`{"text":"hello"}`)); err != nil || !strings.Contains(string(out), `"text":"hello"`) {
		t.Errorf("echo: %s, %v", out, err)
	}
	_, err := ten.CallTool(ctx, "mcp.github.fail", nil)
	var te *runtime.ToolError
	if !errors.As(err, &te) || te.Code != "mcp_tool_error" || te.Message != "this tool always fails" {
		t.Errorf("fail: %v", err)
	}
	for _, name := range []string{"mcp.github.spawn", "mcp.github.nope", "mcp.other.x"} {
		if _, err := ten.CallTool(ctx, name, nil); !errors.Is(err, runtime.ErrUnknownTool) {
			t.Errorf("%s: err = %v, want ErrUnknownTool", name, err)
		}
	}
	if _, err := ten.CallTool(ctx, "mcp.github.echo", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("array input: %v", err)
	}
	// The wasm tool still works, with its own grants.
	if _, err := ten.CallTool(ctx, "whoami", nil); err != nil {
		t.Error(err)
	}
}

// TestCloseEndsTheChildrenAndRedactsTheirStderr: the stderr log gets the
// child's output with the profile's values redacted; closing the tenant
// ends the server and its descendants.
func TestCloseEndsTheChildrenAndRedactsTheirStderr(t *testing.T) {
	home := mcpHome(t, mcptest.Server(t), "")
	p := runtimetest.OpenProfile(t, home, "bob")
	ten, err := runtimetest.Engine(t, nil, nil).Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ten.Close(context.Background())
	ctx := context.Background()
	who, err := callWhoami(ctx, ten, "mcp.github.whoami")
	if err != nil {
		t.Fatal(err)
	}
	out, err := ten.CallTool(ctx, "mcp.github.spawn", nil)
	if err != nil {
		t.Fatal(err)
	}
	var spawned struct {
		StructuredContent struct{ PID int } `json:"structuredContent"`
	}
	if err := json.Unmarshal(out, &spawned); err != nil {
		t.Fatal(err)
	}
	if _, err := ten.CallTool(ctx, "mcp.github.stderr", nil); err != nil {
		t.Fatal(err)
	}
	ten.Close(ctx)
	for _, pid := range []int{who.StructuredContent.PID, spawned.StructuredContent.PID} {
		if !mcptest.WaitExit(t, pid, 5*time.Second) {
			t.Errorf("process %d still runs after Close", pid)
		}
	}
	log, err := os.ReadFile(filepath.Join(p.Dir, "logs", "mcp-stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), "ghp_test_bob_9a7b3c") || !strings.Contains(string(log), "[github] debug: my token is [REDACTED:GITHUB_TOKEN]") {
		t.Errorf("stderr log:\n%s", log)
	}
	if _, err := ten.CallTool(ctx, "mcp.github.whoami", nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("call after Close: %v", err)
	}
}

// TestHTTPServerGetsEachProfilesHeader: one streamable HTTP server, two
// profiles whose headers reference their own token.
func TestHTTPServerGetsEachProfilesHeader(t *testing.T) {
	url := mcptest.HTTPServer(t)
	home := runtimetest.SampleHome(t)
	for _, p := range []string{"alice", "bob"} {
		cfg := "mcp_servers:\n  remote:\n    url: " + url + "\n    headers:\n      Authorization: Bearer ${MY_MCP_TOKEN}\n    connect_timeout: 20\n"
		if err := os.WriteFile(filepath.Join(home, "profiles", p, "config.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := runtimetest.Engine(t, nil, nil)
	for name, token := range map[string]string{"alice": "mcp-test-alice-c0ffee", "bob": "mcp-test-bob-decade"} {
		ten := openTenant(t, e, home, name)
		got, err := callWhoami(context.Background(), ten, "mcp.remote.whoami")
		if err != nil {
			t.Fatal(err)
		}
		if got.StructuredContent.TokenSHA256 != sha(token) {
			t.Errorf("%s: the server saw token %s", name, got.StructuredContent.TokenSHA256)
		}
	}
}

// TestRotatedTokenReconnects: after the .env changes, the next call
// resolves the entry again and a new child gets the new token.
func TestRotatedTokenReconnects(t *testing.T) {
	home := mcpHome(t, mcptest.Server(t), "")
	h, err := runtime.OpenHome(home, runtime.NewGlobals(nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	h.SetEnvCheckInterval(0)
	p, err := h.Profile("alice")
	if err != nil {
		t.Fatal(err)
	}
	ten, err := runtimetest.Engine(t, nil, nil).Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ten.Close(context.Background())
	before, err := callWhoami(context.Background(), ten, "mcp.github.whoami")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.EnvPath(), []byte("GITHUB_TOKEN=ghp_rotated_0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	after, err := callWhoami(context.Background(), ten, "mcp.github.whoami")
	if err != nil {
		t.Fatal(err)
	}
	if after.StructuredContent.TokenSHA256 != sha("ghp_rotated_0001") || after.StructuredContent.PID == before.StructuredContent.PID {
		t.Errorf("after rotation: %+v (before pid %d)", after.StructuredContent, before.StructuredContent.PID)
	}
	if !mcptest.WaitExit(t, before.StructuredContent.PID, 5*time.Second) {
		t.Error("the replaced child still runs")
	}
}

func TestResolveMCPMasksSecrets(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env: "TOKEN=tok-value-1234\n",
		Config: `mcp_servers:
  api:
    url: https://example.org/mcp?key=${TOKEN}
    headers:
      Authorization: "Bearer ${env: TOKEN}"
      X-Literal: "tok-value-1234"
      X-Missing: "${NOPE}"
    enabled: false
`,
	}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	srv, err := ten.ResolveMCP(context.Background(), "api")
	if err != nil {
		t.Fatal(err)
	}
	got := string(srv.Masked.JSON())
	want := `{"url":"https://example.org/mcp?key=***TOKEN","headers":{"Authorization":"Bearer ***TOKEN","X-Literal":"[REDACTED:TOKEN]","X-Missing":"${NOPE}"},"enabled":false}`
	if got != want {
		t.Errorf("masked\n got %s\nwant %s", got, want)
	}
	if srv.Config.URL != "https://example.org/mcp?key=tok-value-1234" || srv.Config.Enabled || srv.Line != 2 {
		t.Errorf("config %+v", srv.Config)
	}
	if un := srv.Unresolved(); len(un) != 1 || un[0].Path != "headers.X-Missing" {
		t.Errorf("unresolved %+v", un)
	}
	// A disabled server offers no tools and is not started.
	for _, tool := range ten.Tools() {
		t.Errorf("unexpected tool %s", tool.Name)
	}
	if _, err := ten.CallTool(context.Background(), "mcp.api.x", nil); !errors.Is(err, runtime.ErrUnknownTool) {
		t.Errorf("disabled: %v", err)
	}
}

func TestBadServerConfigNamesProfileFileAndField(t *testing.T) {
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "T=secret-value-xyz\n",
		Config: "mcp_servers:\n  s:\n    command: [\"${T}\"]\n",
	}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	_, err := ten.ResolveMCP(context.Background(), "s")
	if err == nil || !strings.Contains(err.Error(), `profile "p": `) || !strings.Contains(err.Error(), `config.yaml: mcp server "s" (line 2): command: want a string, got a list`) {
		t.Errorf("err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret-value-xyz") {
		t.Errorf("the error shows a value: %v", err)
	}
	if _, err := ten.ResolveMCP(context.Background(), "other"); err == nil || !strings.Contains(err.Error(), `no mcp server "other" (servers: s)`) {
		t.Errorf("unknown server: %v", err)
	}
	if _, err := ten.CallTool(context.Background(), "mcp.s.x", nil); err == nil || !strings.Contains(err.Error(), "want a string") {
		t.Errorf("call: %v", err)
	}
}

// TestCloseCancelsAConnectInProgress: a server that never answers the
// handshake, with a long connect_timeout; closing the tenant does not wait
// for it, and the connect fails.
func TestCloseCancelsAConnectInProgress(t *testing.T) {
	home := mcpHome(t, mcptest.Server(t), "    args: [--sleep]\n    connect_timeout: 120\n")
	p := runtimetest.OpenProfile(t, home, "alice")
	logs := &runtimetest.LogWatcher{}
	ten, err := runtimetest.Engine(t, logs, nil).Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ten.ConnectMCP(context.Background()) }()
	select {
	case <-logs.Seen("mcp server connecting"):
	case err := <-done:
		t.Fatalf("ConnectMCP returned before connecting: %v", err)
	}
	start := time.Now()
	ten.Close(context.Background())
	if err := <-done; err == nil {
		t.Error("ConnectMCP succeeded against a server that never answers")
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("Close and the connect took %s", took)
	}
	// If the child had started, it is gone.
	log, _ := os.ReadFile(filepath.Join(p.Dir, "logs", "mcp-stderr.log"))
	if _, after, ok := strings.Cut(string(log), "started pid "); ok {
		var pid int
		if _, err := fmt.Sscan(after, &pid); err == nil && !mcptest.WaitExit(t, pid, 5*time.Second) {
			t.Errorf("the child %d still runs after Close", pid)
		}
		t.Logf("the child %d had started", pid)
	}
}

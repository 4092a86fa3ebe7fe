package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/mcp/mcptest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

const redactKey = "sk-test-redact-9f8e7d6c"

// redactEnv is a profile whose .env mixes a secret with settings a real
// hermes .env holds (booleans, a PIN, a word, a URL named never-redacted),
// served by the default handler (which reads nothing) and the hostile
// module (which reads and leaks what it is asked for).
func redactEnv(t *testing.T) (*runtime.Tenant, *runtimetest.LogWatcher, *runtime.MemoryAudit) {
	t.Helper()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"r": {
			Env: "SUDO_PASSWORD=4821\nBROWSERBASE_PROXIES=true\nDEBUG=False\nPIN=2024\nWORD=construed\n" +
				"OPENAI_API_KEY=" + redactKey + "\nBASE_URL=https://api.example.com/v1\n",
			Config: `
wasmgw:
  redact: {never: [BASE_URL]}
  modules:
    hostile:
      path: ` + runtimetest.Hostile(t, "go") + `
      grants: [OPENAI_API_KEY, SUDO_PASSWORD, BROWSERBASE_PROXIES, DEBUG, PIN, WORD, BASE_URL]
`,
		},
	})
	log, audit := &runtimetest.LogWatcher{}, &runtime.MemoryAudit{}
	e := runtimetest.Engine(t, log, audit)
	tn, err := e.Open(context.Background(), runtimetest.OpenProfile(t, home, "r"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.Close(context.Background()) })
	return tn, log, audit
}

func handle(t *testing.T, tn *runtime.Tenant, text string) string {
	t.Helper()
	reply, err := tn.Handle(context.Background(), abi.HandleRequest{Text: text, SessionKey: "agent:r:test:dm:1"})
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return reply.Text
}

// TestRedactionIsNoOracle: a chat user who sends every 4-digit number, the
// settings' values, or even the real key to the echo handler gets the text
// back as sent: the handler never read any of it, so nothing is scrubbed
// and no secret's name appears.
func TestRedactionIsNoOracle(t *testing.T) {
	t.Parallel()
	tn, _, _ := redactEnv(t)
	var nums []string
	for n := 1000; n <= 9999; n++ {
		nums = append(nums, fmt.Sprint(n))
	}
	for _, text := range []string{
		strings.Join(nums, " "),
		`true false TRUE yes construed misconstrued {"year":2024,"ok":true}`,
		"my guess: " + redactKey,
	} {
		reply := handle(t, tn, text)
		if reply != "echo: "+text {
			t.Errorf("echo of %.40q... changed: %.200q", text, reply)
		}
		if strings.Contains(reply, "REDACTED") || strings.Contains(reply, "SUDO_PASSWORD") {
			t.Errorf("the reply confirms a guess: %.200q", reply)
		}
	}
}

// TestRedactionScrubsWhatWasRead: a module that read the key and leaks it
// through its output (raw and quoted), error, log and the audit trail gets
// it scrubbed everywhere: valid JSON, a nameless marker in what reaches a
// user, the name only in the operator's log and audit.
func TestRedactionScrubsWhatWasRead(t *testing.T) {
	t.Parallel()
	tn, log, audit := redactEnv(t)
	ctx := context.Background()
	out, err := tn.CallTool(ctx, "exfil", []byte(`{"name":"OPENAI_API_KEY"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not JSON after scrubbing: %s", out)
	}
	if got["leak"] != "[REDACTED]" || got["quoted"] != `"[REDACTED]"` || strings.Contains(string(out), "OPENAI_API_KEY") {
		t.Errorf("output %s", out)
	}
	_, err = tn.CallTool(ctx, "exfil_error", []byte(`{"name":"OPENAI_API_KEY"}`))
	if err == nil || strings.Contains(err.Error(), redactKey) || strings.Contains(err.Error(), "OPENAI_API_KEY") || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("error: %v", err)
	}
	// Through the handler, as a chat user sees it.
	reply := handle(t, tn, `/call exfil {"name":"OPENAI_API_KEY"}`)
	if strings.Contains(reply, redactKey) || strings.Contains(reply, "OPENAI_API_KEY") || !strings.Contains(reply, "[REDACTED]") {
		t.Errorf("reply %q", reply)
	}
	// The operator's log and audit name the secret, never hold it.
	if l := log.String(); strings.Contains(l, redactKey) || !strings.Contains(l, "leaking [REDACTED:OPENAI_API_KEY]") {
		t.Errorf("log:\n%s", l)
	}
	named := false
	for _, r := range audit.Records() {
		if strings.Contains(r.Name, redactKey) {
			t.Errorf("audit holds the value: %+v", r)
		}
		named = named || r.Name == "[REDACTED:OPENAI_API_KEY]"
	}
	if !named {
		t.Error("the audit did not record the planted name as [REDACTED:OPENAI_API_KEY]")
	}
}

// TestRedactionLeavesSettingsAlone: values that cannot be secrets in any
// useful sense (booleans, short numbers, words) and those the operator
// names in wasmgw.redact.never are not scrubbed even when read, so output
// holding "true", 2024 or "construed" comes back whole and valid.
func TestRedactionLeavesSettingsAlone(t *testing.T) {
	t.Parallel()
	tn, _, _ := redactEnv(t)
	ctx := context.Background()
	for name, value := range map[string]string{
		"BROWSERBASE_PROXIES": "true", "DEBUG": "False", "PIN": "2024", "SUDO_PASSWORD": "4821",
		"WORD": "construed", "BASE_URL": "https://api.example.com/v1",
	} {
		out, err := tn.CallTool(ctx, "exfil", []byte(`{"name":"`+name+`"}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got map[string]string
		if err := json.Unmarshal(out, &got); err != nil || got["leak"] != value {
			t.Errorf("%s: output %s (%v), want the value whole", name, out, err)
		}
	}
	// The same instances read them all; JSON they echo stays intact.
	reply := handle(t, tn, `/call exfil {"name":"PIN"}`)
	if strings.Contains(reply, "REDACTED") {
		t.Errorf("reply %q", reply)
	}
}

// TestMCPRedactionScrubsOnlyWhatTheServerWasGiven: alice's github server
// was given GITHUB_TOKEN (its env), not OPENAI_API_KEY. Its echo of the
// token comes back as a nameless marker in valid JSON; its echo of the
// other key, which it could not know, comes back as sent (no oracle).
func TestMCPRedactionScrubsOnlyWhatTheServerWasGiven(t *testing.T) {
	t.Parallel()
	home := mcpHome(t, mcptest.Server(t), "")
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "alice")
	ten.SetMCPOptions(runtime.MCPOptions{Environ: os.Environ()})
	ctx := context.Background()
	echo := func(text string) string {
		in, _ := json.Marshal(map[string]string{"text": text})
		out, err := ten.CallTool(ctx, "mcp.github.echo", in)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			StructuredContent struct{ Text string } `json:"structuredContent"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output is not JSON: %s", out)
		}
		if strings.Contains(string(out), "GITHUB_TOKEN") {
			t.Errorf("a secret's name in the output: %s", out)
		}
		return got.StructuredContent.Text
	}
	if got := echo(`token "ghp_test_alice_51d0e2" true 2024`); got != `token "[REDACTED]" true 2024` {
		t.Errorf("echo of the server's own token: %q", got)
	}
	if got := echo("guess sk-test-alice-7f3a9c1e5b"); got != "guess sk-test-alice-7f3a9c1e5b" {
		t.Errorf("echo of a value the server was never given: %q", got)
	}
}

package inspect

// Fuzz targets for the host's handling of the ABI envelopes a guest hands
// it, through the real call path: an engine, a profile and the mirror
// module (testdata/mirror.wat), whose manifest, tool output, status and
// handler input the fuzzer chooses.
//
//	FuzzManifest     abi.Manifest from wasmgw_describe (Engine.Open)
//	FuzzToolOutput   a tool's status and output: abi.Error decoding,
//	                 JSON validation, redaction, output limit (Tenant.CallTool)
//	FuzzCallResult   the abi.CallResult envelope the host builds for a
//	                 handler's tool_call, and the handler's abi.HandleReply

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// mirrorValue is the fuzz profile's one secret; seeds plant it in outputs
// to check redaction.
const mirrorValue = "sk-fuzz-5ecret-0123456789abcdef"

// mirrorMaxOutput is the fuzz profile's max_output: small, so that fuzz
// inputs cross it.
const mirrorMaxOutput = 4096

const mirrorSlot = 2048

var (
	mirrorOnce sync.Once
	mirrorWasm []byte
	mirrorErr  error
)

// mirrorModule returns the mirror module with its manifest slot holding
// manifest (nil: the module as built); false when it does not fit.
func mirrorModule(tb testing.TB, manifest []byte) ([]byte, bool) {
	tb.Helper()
	mirrorOnce.Do(func() { mirrorWasm, mirrorErr = os.ReadFile(filepath.Join("testdata", "mirror.wasm")) })
	if mirrorErr != nil {
		tb.Fatal(mirrorErr)
	}
	if manifest == nil {
		return mirrorWasm, true
	}
	if len(manifest) > mirrorSlot {
		return nil, false
	}
	def := []byte(`{"abi":1,"tools":[{"name":"mirror"}]}`)
	at := bytes.Index(mirrorWasm, def)
	if at < 4 {
		tb.Fatal("mirror.wasm: the default manifest is not in the binary")
	}
	out := bytes.Clone(mirrorWasm)
	n := len(manifest)
	copy(out[at-4:], []byte{byte(n), byte(n >> 8), 0, 0})
	slot := out[at : at+mirrorSlot]
	copy(slot, manifest)
	for i := n; i < len(slot); i++ {
		slot[i] = ' '
	}
	return out, true
}

// mirrorHome writes a home with one profile "m" running wasm as module
// "mirror" (max_output mirrorMaxOutput) and as its handler (by path, so
// with the profile's larger max_output), and returns the home.
func mirrorHome(tb testing.TB, wasm []byte) string {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "mirror.wasm")
	if err := os.WriteFile(path, wasm, 0o600); err != nil {
		tb.Fatal(err)
	}
	return runtimetest.Home(tb, map[string]runtimetest.Profile{
		"m": {Env: "SECRET=" + mirrorValue + "\n", Config: `
wasmgw:
  limits: {memory: 16MiB, timeout: 5s, max_output: 1MiB}
  handler: ` + path + `
  modules:
    mirror:
      path: ` + path + `
      grants: [SECRET]
      limits: {max_output: ` + itoa(mirrorMaxOutput) + `}
`},
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// mirrorTenant is one engine and the mirror profile loaded into it.
type mirrorTenant struct {
	engine *runtime.Engine
	tenant *runtime.Tenant
}

func openMirror(tb testing.TB) *mirrorTenant {
	tb.Helper()
	wasm, _ := mirrorModule(tb, nil)
	home := mirrorHome(tb, wasm)
	e := runtimetest.Engine(tb, nil, nil)
	t, err := e.Open(context.Background(), runtimetest.OpenProfile(tb, home, "m"))
	if err != nil {
		tb.Fatal(err)
	}
	return &mirrorTenant{engine: e, tenant: t}
}

// toolInput is the mirror tool's input for a status and an output.
func toolInput(status byte, out []byte) []byte {
	return []byte(`"` + hex.EncodeToString(append([]byte{status}, out...)) + `"`)
}

// redacted is what the host makes of the mirror's text: the mirror never
// reads its secret, so nothing is scrubbed even where the text (which the
// caller chose) holds the value. Scrubbing it would confirm the caller's
// guess (docs/security.md, "Redaction").
func redacted(s string) string { return s }

// planted reports whether the caller itself put the secret in b.
func planted(b []byte) bool { return bytes.Contains(b, []byte(mirrorValue)) }

func FuzzToolOutput(f *testing.F) {
	m := openMirror(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, status byte, out []byte) {
		if len(out) > 3*mirrorMaxOutput {
			t.Skip()
		}
		got, err := m.tenant.CallTool(ctx, "mirror", toolInput(status, out))
		var ce *runtime.CallError
		var te *runtime.ToolError
		switch {
		case len(out) > mirrorMaxOutput:
			if !errors.As(err, &ce) || ce.Kind != runtime.KindOutputTooLarge {
				t.Fatalf("output of %d bytes over the limit: err %v", len(out), err)
			}
		case status == 0:
			if err == nil {
				if !json.Valid(got) {
					t.Fatalf("the host returned invalid JSON %q", got)
				}
				if string(got) != redacted(string(out)) {
					t.Fatalf("output %q came back as %q", out, got)
				}
			} else if !errors.As(err, &ce) || ce.Kind != runtime.KindBadModule || json.Valid([]byte(redacted(string(out)))) {
				t.Fatalf("status 0 with output %q: err %v", out, err)
			}
		default:
			if !errors.As(err, &te) {
				t.Fatalf("status %d: err %v, want a ToolError", status, err)
			}
			if te.Code == "" {
				t.Fatalf("status %d: a ToolError with no code: %v", status, err)
			}
			var e abi.Error
			if json.Unmarshal(out, &e) == nil && e.Code != "" && (te.Code != redacted(e.Code) || te.Message != redacted(e.Message)) {
				t.Fatalf("error envelope %q became code %q message %q", out, te.Code, te.Message)
			}
		}
		if err != nil && strings.Contains(err.Error(), mirrorValue) && !planted(out) {
			t.Fatalf("the error holds the secret: %v", err)
		}
		if bytes.Contains(got, []byte(mirrorValue)) && !planted(out) {
			t.Fatalf("the output holds the secret: %s", got)
		}
		// Whatever happened, the profile serves the next call.
		if got, err := m.tenant.CallTool(ctx, "mirror", toolInput(0, []byte(`{}`))); err != nil || string(got) != "{}" {
			t.Fatalf("the next call: %s %v", got, err)
		}
	})
}

func FuzzCallResult(f *testing.F) {
	m := openMirror(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, status byte, out []byte) {
		if len(out) > 3*mirrorMaxOutput {
			t.Skip()
		}
		text := hex.EncodeToString(toolInput(status, out))
		reply, err := m.tenant.Handle(ctx, abi.HandleRequest{SessionKey: "fuzz", Text: text})
		if err != nil {
			t.Fatalf("the handler failed: %v", err)
		}
		env, err := hex.DecodeString(reply.Text)
		if err != nil {
			t.Fatalf("reply %q: %v", reply.Text, err)
		}
		dec := json.NewDecoder(bytes.NewReader(env))
		dec.DisallowUnknownFields()
		var res abi.CallResult
		if err := dec.Decode(&res); err != nil {
			t.Fatalf("envelope %q is not a CallResult: %v", env, err)
		}
		if (res.Output == nil) == (res.Error == nil) {
			t.Fatalf("envelope %q: want exactly one of output and error", env)
		}
		if bytes.Contains(env, []byte(mirrorValue)) && !planted(out) {
			t.Fatalf("the envelope holds the secret: %s", env)
		}
		switch {
		case res.Output != nil:
			if status != 0 || len(out) > mirrorMaxOutput || !json.Valid(res.Output) {
				t.Fatalf("status %d output %q: envelope %s", status, out, env)
			}
		case res.Error.Code == "":
			t.Fatalf("envelope %q: an error with no code", env)
		case len(out) > mirrorMaxOutput && res.Error.Code != string(runtime.KindOutputTooLarge):
			t.Fatalf("oversized output: envelope %s", env)
		}
	})
}

func FuzzManifest(f *testing.F) {
	var (
		e    *runtime.Engine
		uses int
	)
	ctx := context.Background()
	f.Cleanup(func() {
		if e != nil {
			_ = e.Close(ctx)
		}
	})
	f.Fuzz(func(t *testing.T, manifest []byte) {
		wasm, ok := mirrorModule(t, manifest)
		if !ok {
			t.Skip()
		}
		// Each manifest is a new module, compiled and kept by the engine:
		// start a new engine now and then so the fuzzer's memory stays flat.
		if e == nil || uses == 200 {
			if e != nil {
				_ = e.Close(ctx)
			}
			var err error
			if e, err = runtime.NewEngine(ctx, runtime.Options{Audit: runtime.DiscardAudit{}}); err != nil {
				t.Fatal(err)
			}
			uses = 0
		}
		uses++
		home := mirrorHome(t, wasm)
		ten, err := e.Open(ctx, runtimetest.OpenProfile(t, home, "m"))
		if err != nil {
			if !strings.Contains(err.Error(), `profile "m": `) || !strings.Contains(err.Error(), `module "mirror"`) {
				t.Fatalf("a refusal that does not name the profile and module: %v", err)
			}
			return
		}
		defer ten.Close(ctx)
		var man abi.Manifest
		if err := json.Unmarshal(manifest, &man); err != nil || man.ABI != abi.Version {
			t.Fatalf("accepted manifest %q (abi %d, err %v)", manifest, man.ABI, err)
		}
		tools := ten.Tools()
		if len(tools) != len(man.Tools) {
			t.Fatalf("manifest %q: %d tools, the tenant offers %d", manifest, len(man.Tools), len(tools))
		}
		seen := map[string]bool{}
		for i, tool := range tools {
			if tool.Name != man.Tools[i].Name || tool.Module != "mirror" {
				t.Fatalf("tool %d: %+v, manifest says %q", i, tool, man.Tools[i].Name)
			}
			if seen[tool.Name] {
				t.Fatalf("manifest %q: tool %q offered twice", manifest, tool.Name)
			}
			if !abi.ValidToolName(tool.Name) {
				t.Fatalf("manifest %q: tool name %q accepted", manifest, tool.Name)
			}
			seen[tool.Name] = true
		}
	})
}

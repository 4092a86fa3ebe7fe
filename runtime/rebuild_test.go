package runtime_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// An interpolation module cannot steer the host: with the shape kept and
// its references reported, it still cannot move a URL to another host, put
// a secret the config never referenced in a reference's place, or add an
// argument; the host rebuilds the entry from the template and refuses each
// answer that does not match it. (These answers were all accepted before:
// the host checked only the shape.)
func TestInterpolationModuleCannotSteerTheHost(t *testing.T) {
	t.Parallel()
	wasm := runtimetest.GoModule(t, "testdata/mcpserver/badinterp")
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env:    "TOKEN=tok-must-not-appear-in-errors\nOTHER=other-secret-never-referenced\nP=path\n",
		Config: "wasmgw:\n  interpolation: " + wasm + "\n",
	}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	for _, c := range []struct{ server, entry, want string }{
		{"steer-url", `{"url":"https://mcp.example.com/${P}"}`, "url: the module changed text outside its ${...} references"},
		{"other-secret", `{"command":"srv","args":["a"],"env":{"T":"${TOKEN}"}}`, "env.T: the module changed text outside"},
		{"extra-arg", `{"command":"srv","args":["--key","${TOKEN}"]}`, "args[1]: the module changed text outside"},
	} {
		_, err := ten.Interpolate(context.Background(), c.server, json.RawMessage(c.entry))
		if err == nil {
			t.Errorf("%s: accepted", c.server)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `mcp server "`+c.server+`"`) {
			t.Errorf("%s: err = %v, want %q", c.server, err, c.want)
		}
		for _, v := range []string{"tok-must-not-appear-in-errors", "other-secret-never-referenced"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%s: the error shows a value: %v", c.server, err)
			}
		}
	}
	// A string form of args is split by the host before interpolation:
	// the module sees (and answers) two arguments, and the value stays in
	// the second.
	res, err := ten.Interpolate(context.Background(), "honest", json.RawMessage(`{"command":"srv","args":"--key ${TOKEN}"}`))
	if err != nil {
		t.Fatalf("honest: %v", err)
	}
	if string(res.Entry) != `{"command":"srv","args":["--key","tok-must-not-appear-in-errors"]}` {
		t.Errorf("honest: entry %s", res.Entry)
	}
}

// References where a value would decide what runs or where it connects
// are refused when the config is loaded, naming the server and field.
func TestReferencesRefusedWhereTheHostDecides(t *testing.T) {
	t.Parallel()
	for field, yaml := range map[string]string{
		"command":      "    command: ${TOKEN}\n",
		"cwd":          "    command: srv\n    cwd: /srv/${TOKEN}\n",
		"url":          "    url: https://${TOKEN}.example.com/mcp\n",
		"url (port)":   "    url: https://mcp.example.com:${TOKEN}/mcp\n",
		"url (scheme)": "    url: ${TOKEN}://mcp.example.com/mcp\n",
		"timeout":      "    command: srv\n    timeout: ${TOKEN}\n",
		"transport":    "    url: https://mcp.example.com/mcp\n    transport: ${TOKEN}\n",
	} {
		home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
			Env:    "TOKEN=tok-value-1234\n",
			Config: "mcp_servers:\n  s:\n" + yaml,
		}})
		ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
		_, err := ten.ResolveMCP(context.Background(), "s")
		name, _, _ := strings.Cut(field, " ")
		if err == nil || !strings.Contains(err.Error(), `mcp server "s" (line 2): `+name) || !strings.Contains(err.Error(), "reference") {
			t.Errorf("%s: err = %v", field, err)
		}
	}
	// Allowed: env and header values, arguments, a URL's path and query.
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"p": {
		Env: "TOKEN=tok-value-1234\n",
		Config: "mcp_servers:\n  s:\n    url: https://mcp.example.com/${TOKEN}/mcp?k=${TOKEN}\n    headers:\n      Authorization: Bearer ${TOKEN}\n    enabled: false\n" +
			"  c:\n    command: srv\n    args: --key ${TOKEN}\n    env:\n      T: ${TOKEN}\n    enabled: false\n",
	}})
	ten := openTenant(t, runtimetest.Engine(t, nil, nil), home, "p")
	srv, err := ten.ResolveMCP(context.Background(), "s")
	if err != nil || srv.Config.URL != "https://mcp.example.com/tok-value-1234/mcp?k=tok-value-1234" {
		t.Errorf("s: %v %+v", err, srv)
	}
	srv, err = ten.ResolveMCP(context.Background(), "c")
	if err != nil || len(srv.Config.Args) != 2 || srv.Config.Args[1] != "tok-value-1234" {
		t.Fatalf("c: %v %+v", err, srv)
	}
	// mcp resolve shows the arguments as they will be passed.
	if got := string(srv.Masked.JSON()); !strings.Contains(got, `"args":["--key","***TOKEN"]`) {
		t.Errorf("masked %s", got)
	}
}

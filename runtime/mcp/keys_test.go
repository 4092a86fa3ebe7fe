package mcp

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// TestToolFilterGlobs: tools.include and tools.exclude are fnmatch
// patterns as in hermes; a scalar is a one-element list; include wins.
func TestToolFilterGlobs(t *testing.T) {
	t.Parallel()
	tools := []string{"get-sum", "get-env", "echo", "get_radar_x", "printEnv"}
	for _, c := range []struct {
		entry     string
		allowed   []string
		unmatched []string
	}{
		{`{"command":"x","tools":{"exclude":["get-*"]}}`, []string{"echo", "get_radar_x", "printEnv"}, nil},
		{`{"command":"x","tools":{"include":"*sum*"}}`, []string{"get-sum"}, nil},
		{`{"command":"x","tools":{"exclude":["*_radar_*","nope*"]}}`, []string{"get-sum", "get-env", "echo", "printEnv"}, []string{`tools.exclude[1] "nope*"`}},
		{`{"command":"x","tools":{"include":["ech?","[gp]*Env","get-[!s]*"],"exclude":["echo"]}}`, []string{"get-env", "echo", "printEnv"}, nil},
		{`{"command":"x","tools":{"include":["GET-SUM"]}}`, nil, []string{`tools.include[0] "GET-SUM"`}},
	} {
		cfg, err := decode("s", []byte(c.entry))
		if err != nil {
			t.Fatalf("%s: %v", c.entry, err)
		}
		var got []string
		for _, tool := range tools {
			if cfg.Allows(tool) {
				got = append(got, tool)
			}
		}
		if !reflect.DeepEqual(got, c.allowed) {
			t.Errorf("%s: allows %v, want %v", c.entry, got, c.allowed)
		}
		if u := cfg.UnmatchedFilters(tools); !reflect.DeepEqual(u, c.unmatched) && !(len(u) == 0 && len(c.unmatched) == 0) {
			t.Errorf("%s: unmatched %q, want %q", c.entry, u, c.unmatched)
		}
	}
}

// TestEntryWarnings: every key wasmgw does not honour is warned about,
// security keys marked; keys it honours are not.
func TestEntryWarnings(t *testing.T) {
	t.Parallel()
	v, err := value.ParseJSON([]byte(`{"command":"npx","args":["--root","${workspaceFolder}/src"],"env":{"T":"${TOKEN}"},
		"auth":"oauth","lifecycle":"eager","trust":"friendly","ssl_verify":false,"client_cert":"c.pem",
		"sampling":{"enabled":true},"tools":{"include":["a*"],"resources":false},"frobnicate":1,"timeout":5,"enabled":true}`))
	if err != nil {
		t.Fatal(err)
	}
	ws := EntryWarnings("fs", v)
	got := map[string]bool{}
	for _, w := range ws {
		got[w.Key] = w.Security
		if !strings.HasPrefix(w.String(), `mcp server "fs": `+w.Key+": ") {
			t.Errorf("warning %q", w)
		}
	}
	want := map[string]bool{"args[1]": false, "auth": true, "lifecycle": false, "trust": true, "ssl_verify": true, "client_cert": true,
		"sampling": true, "tools.resources": false, "frobnicate": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warned keys %v\nwant %v", got, want)
	}

	// An HTTP entry: ssl_verify false is loud, a CA bundle and a client
	// certificate are honoured, trust: host is the confinement's to act on.
	v, _ = value.ParseJSON([]byte(`{"url":"https://x.example/mcp","ssl_verify":false,"client_cert":["c.pem","k.pem"],"trust":"host"}`))
	ws = EntryWarnings("remote", v)
	if len(ws) != 1 || ws[0].Key != "ssl_verify" || !ws[0].Security || !strings.Contains(ws[0].Msg, "NOT verified") {
		t.Errorf("http entry warnings %v", ws)
	}
	v, _ = value.ParseJSON([]byte(`{"url":"https://x.example/mcp","ssl_verify":"ca.pem"}`))
	if ws := EntryWarnings("remote", v); len(ws) != 0 {
		t.Errorf("a CA bundle is honoured, yet: %v", ws)
	}
}

func TestDecodeTLSKeys(t *testing.T) {
	t.Parallel()
	for entry, want := range map[string]TLSConfig{
		`{"url":"https://x/","ssl_verify":false}`:                           {Insecure: true},
		`{"url":"https://x/","ssl_verify":"no"}`:                            {Insecure: true},
		`{"url":"https://x/","ssl_verify":true}`:                            {},
		`{"url":"https://x/","ssl_verify":"certs/ca.pem"}`:                  {CABundle: "certs/ca.pem"},
		`{"url":"https://x/","client_cert":"both.pem"}`:                     {CertFile: "both.pem"},
		`{"url":"https://x/","client_cert":["c.pem","k.pem"]}`:              {CertFile: "c.pem", KeyFile: "k.pem"},
		`{"url":"https://x/","client_cert":{"cert":"c.pem","key":"k.pem"}}`: {CertFile: "c.pem", KeyFile: "k.pem"},
	} {
		cfg, err := decode("s", []byte(entry))
		if err != nil || cfg.TLS != want {
			t.Errorf("%s: %+v %v, want %+v", entry, cfg.TLS, err, want)
		}
	}
	for _, entry := range []string{
		`{"url":"https://x/","ssl_verify":["ca.pem"]}`,
		`{"url":"https://x/","client_cert":["c.pem"]}`,
		`{"url":"https://x/","client_cert":{"crt":"c.pem"}}`,
		`{"url":"https://x/","client_cert":""}`,
	} {
		if _, err := decode("s", []byte(entry)); err == nil {
			t.Errorf("%s: accepted", entry)
		}
	}
}

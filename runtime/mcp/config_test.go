package mcp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

func parseYAML(t testing.TB, src string) []Entry {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	entries, err := ParseServers(doc.Content[0].Content[1])
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// A hermes profile's block, as its documentation writes it.
const hermesBlock = `mcp_servers:
  github:
    command: "npx"
    args: ["-y", "@modelcontextprotocol/server-github"]
    env:
      GITHUB_PERSONAL_ACCESS_TOKEN: "${GITHUB_TOKEN}"
      PORT: 8080
    tools:
      include: [create_issue, list_issues]
  remote_api:
    url: "https://mcp.example.com/mcp"
    headers:
      Authorization: "Bearer ${MY_MCP_TOKEN}"
    timeout: 120
    connect_timeout: 30.5
    enabled: "yes"
    supports_parallel_tool_calls: false
    auth: oauth
  legacy:
    url: "http://127.0.0.1:9/sse"
    transport: sse
    enabled: false
    tools:
      exclude: delete_everything
`

func TestParseAndDecodeAHermesBlock(t *testing.T) {
	entries := parseYAML(t, hermesBlock)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if !reflect.DeepEqual(names, []string{"github", "remote_api", "legacy"}) || entries[0].Line != 2 {
		t.Fatalf("entries %v (line %d)", names, entries[0].Line)
	}
	if got := string(entries[0].Value.JSON()); got != `{"command":"npx","args":["-y","@modelcontextprotocol/server-github"],"env":{"GITHUB_PERSONAL_ACCESS_TOKEN":"${GITHUB_TOKEN}","PORT":8080},"tools":{"include":["create_issue","list_issues"]}}` {
		t.Errorf("github entry JSON %s", got)
	}
	gh, err := DecodeValue("github", entries[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	if gh.Transport != TransportStdio || gh.Command != "npx" || len(gh.Args) != 2 || gh.Env["PORT"] != "8080" ||
		gh.Timeout != defaultTimeout || gh.ConnectTimeout != defaultConnectTimeout || !gh.Enabled ||
		!gh.Allows("list_issues") || gh.Allows("delete_repo") {
		t.Errorf("github %+v", gh)
	}
	ra, err := DecodeValue("remote_api", entries[1].Value)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Transport != TransportHTTP || ra.Timeout != 120*time.Second || ra.ConnectTimeout != 30500*time.Millisecond ||
		!ra.Enabled || ra.Headers["Authorization"] != "Bearer ${MY_MCP_TOKEN}" || !reflect.DeepEqual(ra.Extra, []string{"supports_parallel_tool_calls", "auth"}) {
		t.Errorf("remote_api %+v", ra)
	}
	lg, err := DecodeValue("legacy", entries[2].Value)
	if err != nil {
		t.Fatal(err)
	}
	if lg.Transport != TransportSSE || lg.Enabled || lg.Allows("delete_everything") || !lg.Allows("other") {
		t.Errorf("legacy %+v", lg)
	}
	if en, known := EnabledAsWritten(entries[2].Value); en || !known {
		t.Errorf("legacy EnabledAsWritten = %v, %v", en, known)
	}
}

func TestYAMLMergeKeysAndAliases(t *testing.T) {
	entries := parseYAML(t, `mcp_servers:
  base: &base
    command: srv
    env: &env {A: "1", B: "2"}
    timeout: 10
  derived:
    <<: *base
    timeout: 20
    env:
      <<: *env
      B: "3"
`)
	if got := string(entries[1].Value.JSON()); got != `{"timeout":20,"env":{"B":"3","A":"1"},"command":"srv"}` {
		t.Errorf("derived %s", got)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	src := "mcp_servers:\n  s:\n    command: x\n    a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g"} {
		src += "    " + n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Skipf("yaml.v3 refuses it already: %v", err)
	}
	_, err := ParseServers(doc.Content[0].Content[1])
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Server != "s" || !strings.Contains(ce.Msg, "alias bomb") {
		t.Errorf("err = %v, want an alias bomb refused for server s", err)
	}
}

func TestParseServersRefusals(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"mcp_servers: [a]", "want a mapping of server names"},
		{"mcp_servers:\n  github.com:\n    command: x", `mcp server "github.com" (line 2): invalid server name`},
		{"mcp_servers:\n  gh: npx", `mcp server "gh" (line 2): want a mapping of settings, got a string`},
		{"mcp_servers:\n  gh:\n    command: x\n    timeout: .inf", `mcp server "gh" (line 4): timeout: a float that JSON cannot hold`},
		{"mcp_servers:\n  gh:\n    {a: b}: c", `mcp server "gh" (line 3): a mapping key must be a scalar`},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tc.src), &doc); err != nil {
			t.Fatal(err)
		}
		_, err := ParseServers(doc.Content[0].Content[1])
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.src, err, tc.want)
		}
	}
	if e, err := ParseServers(nil); e != nil || err != nil {
		t.Errorf("nil node: %v, %v", e, err)
	}
}

func TestDecodeRules(t *testing.T) {
	for _, tc := range []struct {
		entry string
		check func(ServerConfig) bool
	}{
		{`{"command":"srv","args":"-y 'pkg with spaces' \"a \\\"b\\\"\" c\\ d"}`, func(c ServerConfig) bool {
			return reflect.DeepEqual(c.Args, []string{"-y", "pkg with spaces", `a "b"`, "c d"})
		}},
		{`{"command":"srv","args":"[\"-y\", \"pkg\", 3]"}`, func(c ServerConfig) bool { return reflect.DeepEqual(c.Args, []string{"-y", "pkg", "3"}) }},
		{`{"command":"srv","args":[1.5,"x"]}`, func(c ServerConfig) bool { return reflect.DeepEqual(c.Args, []string{"1.5", "x"}) }},
		{`{"command":" srv ","args":null,"env":null,"transport":"stdio"}`, func(c ServerConfig) bool { return c.Command == "srv" && c.Args == nil }},
		{`{"url":"https://h/mcp","transport":"streamable_http","timeout":"5","enabled":0}`, func(c ServerConfig) bool {
			return c.Transport == TransportHTTP && c.Timeout == 5*time.Second && !c.Enabled
		}},
		{`{"url":"https://h/mcp","enabled":"Off","tools":{"include":[],"exclude":["a"]}}`, func(c ServerConfig) bool { return !c.Enabled && !c.Allows("a") && c.Allows("b") }},
		{`{"url":"https://h/mcp","tools":{"include":"a","exclude":"a"}}`, func(c ServerConfig) bool { return c.Allows("a") && !c.Allows("b") }},
		{`{"command":"srv","env":{"ON":true,"N":1}}`, func(c ServerConfig) bool { return c.Env["ON"] == "true" && c.Env["N"] == "1" }},
	} {
		c, err := decode("s", json.RawMessage(tc.entry))
		if err != nil || !tc.check(c) {
			t.Errorf("%s: %+v, %v", tc.entry, c, err)
		}
	}
}

func TestDecodeRefusalsNameTheFieldNotTheValue(t *testing.T) {
	const secret = "sk-live-must-not-appear"
	for _, tc := range []struct{ entry, want string }{
		{`[1]`, `mcp server "s": want a mapping of settings, got a list`},
		{`{}`, `mcp server "s": has neither command`},
		{`{"command":"x","url":"https://h"}`, `has both command and url`},
		{`{"command":["` + secret + `"]}`, `mcp server "s": command: want a string, got a list`},
		{`{"command":""}`, `command: empty`},
		{`{"command":"x","args":[{"a":"` + secret + `"}]}`, `args[0]: want a string or a number, got a mapping`},
		{`{"command":"x","args":"'` + secret + `"}`, `args: unterminated single quote`},
		{`{"command":"x","env":{"T":["` + secret + `"]}}`, `env.T: want a string, got a list`},
		{`{"command":"x","env":{"A=B":"` + secret + `"}}`, `env["A=B"]: not a valid environment variable name`},
		{`{"url":"https://h","headers":{"X":"a\r\n` + secret + `"}}`, `headers.X: a header value must not contain CR`},
		{`{"url":"https://h","headers":{"Bad Name":"` + secret + `"}}`, `headers["Bad Name"]: not a valid HTTP header name`},
		{`{"url":"ftp://` + secret + `"}`, `url: want an absolute http or https URL`},
		{`{"url":"https://h","transport":"websocket"}`, `transport: unknown transport`},
		{`{"command":"x","transport":"sse"}`, `transport: sse needs a url`},
		{`{"url":"https://h","transport":"stdio"}`, `transport: stdio needs a command`},
		{`{"command":"x","timeout":0}`, `timeout: want a number of seconds above 0`},
		{`{"command":"x","timeout":"` + secret + `"}`, `timeout: want a number of seconds`},
		{`{"command":"x","connect_timeout":1e300}`, `connect_timeout: want a number of seconds above 0 and at most`},
		{`{"command":"x","enabled":"` + secret + `"}`, `enabled: want true or false`},
		{`{"command":"x","tools":{"include":[true]}}`, `tools.include[0]: want a tool name, got a boolean`},
		{`{"command":"x","tools":"all"}`, `tools: want a mapping`},
		{`{"command":"x","a":1,"a":2}`, `not valid JSON: duplicate key "a"`},
	} {
		_, err := decode("s", json.RawMessage(tc.entry))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.entry, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows a value: %v", tc.entry, err)
		}
	}
}

func TestShellSplit(t *testing.T) {
	for in, want := range map[string][]string{
		``:                   nil,
		`a  b`:               {"a", "b"},
		`'' ""`:              {"", ""},
		`a'b c'd`:            {"ab cd"},
		`"a\$b\x"`:           {`a$b\x`},
		"x\\ y\tz":           {"x y", "z"},
		`--flag="two words"`: {"--flag=two words"},
	} {
		got, err := shellSplit(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("shellSplit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`'open`, `"open`, `end\`} {
		if _, err := shellSplit(bad); err == nil {
			t.Errorf("shellSplit(%q) accepted", bad)
		}
	}
}

// FuzzDecode feeds arbitrary entries to the decoder: it never panics, an
// accepted entry has exactly one of command and url, and an error never
// quotes a value of the entry.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"command":"npx","args":["-y","pkg"],"env":{"T":"${X}"},"tools":{"include":["a"]}}`,
		`{"url":"https://h/mcp","headers":{"Authorization":"Bearer x"},"timeout":1.5,"enabled":"on"}`,
		`{"url":"http://127.0.0.1:1/sse","transport":"sse","connect_timeout":"2"}`,
		`{"command":"x","args":"-y 'a b' \"c\\\"d\"","enabled":null}`,
		`{"command":"x","args":"[1,\"a\"]","cwd":"sub","extra":{"k":[1,2]}}`,
		`[]`, `"x"`, `{"command":1}`,
		`{"url":"https://h/","ssl_verify":"ca.pem","client_cert":{"cert":"c","key":"k"},"auth":"oauth","trust":"host","tools":{"exclude":"get-[!a]*","resources":1}}`,
		`{"command":"x","ssl_verify":false,"client_cert":["c","k"],"args":["${workspaceFolder}"],"lifecycle":"eager"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if v, err := value.ParseJSON(data); err == nil {
			for _, w := range EntryWarnings("fuzz", v) {
				if w.Key == "" || w.Msg == "" {
					t.Fatalf("an empty warning %+v for %s", w, data)
				}
			}
		}
		c, err := decode("fuzz", data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Server != "fuzz" {
				t.Fatalf("error %v is not a ConfigError for the server", err)
			}
			return
		}
		if (c.Command == "") == (c.URL == "") {
			t.Fatalf("accepted %s with command %q url %q", data, c.Command, c.URL)
		}
		for _, name := range []string{"", "a", "get-sum", "x/y"} {
			_ = c.Allows(name)
		}
		_ = c.UnmatchedFilters([]string{"a", "b"})
		if c.Timeout <= 0 || c.ConnectTimeout <= 0 {
			t.Fatalf("accepted %s with timeouts %v %v", data, c.Timeout, c.ConnectTimeout)
		}
		for k, v := range c.Headers {
			if strings.ContainsAny(v, "\r\n") || !validHeaderName(k) {
				t.Fatalf("accepted header %q", k)
			}
		}
	})
}

// FuzzParseServers feeds arbitrary YAML to the mcp_servers reader and the
// decoder behind it: no panic, no runaway on aliases.
func FuzzParseServers(f *testing.F) {
	f.Add([]byte(hermesBlock))
	f.Add([]byte("mcp_servers:\n  a: &a {command: x, args: [*a]}\n"))
	f.Add([]byte("mcp_servers:\n  a: {<<: [{command: x}, {url: y}], env: {K: !!binary aGk=}}\n"))
	f.Add([]byte("mcp_servers:\n  a:\n    command: x\n    timeout: 0x10\n    when: 2024-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || len(doc.Content[0].Content) < 2 {
			return
		}
		entries, err := ParseServers(doc.Content[0].Content[1])
		if err != nil {
			return
		}
		for _, e := range entries {
			if !validServerName(e.Name) || e.Value.Kind != value.Object {
				t.Fatalf("bad entry %q", e.Name)
			}
			raw := e.Value.JSON()
			back, err := value.ParseJSON(raw)
			if err != nil {
				t.Fatalf("entry %q does not round-trip: %v\n%s", e.Name, err, raw)
			}
			if p, same := value.SameShape(e.Value, back); !same {
				t.Fatalf("entry %q changed at %q in a round trip", e.Name, p)
			}
			_, _ = DecodeValue(e.Name, e.Value)
		}
	})
}

// decode decodes one server entry (JSON, as an interpolation module
// returns it). Errors are *ConfigError naming the field.
func decode(name string, entry json.RawMessage) (ServerConfig, error) {
	v, err := value.ParseJSON(entry)
	if err != nil {
		return ServerConfig{}, &ConfigError{Server: name, Msg: "not valid JSON: " + err.Error()}
	}
	return DecodeValue(name, v)
}

package runtime

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

func TestParseEgressConfig(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte(`
wasmgw:
  modules:
    llm:
      path: llm.wasm
      grants: []
      egress:
        allow: ["https://api.openai.com", "https://*.example.com:8443", "http://[::1]:8080/"]
        secrets:
          OPENAI_API_KEY: [api.openai.com]
          SHARED: ["*.example.com", "deep.api.example.com"]
        body_placeholders: [SHARED]
        allow_private: [127.0.0.1, 10.0.0.0/8, "::1"]
        max_response: 2MiB
        max_request: 64KiB
    plain:
      path: p.wasm
      egress: {allow: ["https://x.example"], allow_private: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Modules[0].Egress
	if e == nil || len(e.Allow) != 3 || len(e.Secrets["SHARED"]) != 2 || e.BodyPlaceholders[0] != "SHARED" ||
		e.MaxResponse != 2<<20 || e.MaxRequest != 64<<10 || e.AllowPrivate || len(e.PrivateNets) != 3 {
		t.Fatalf("egress %+v", e)
	}
	if e.PrivateNets[0] != netip.MustParsePrefix("127.0.0.1/32") || e.PrivateNets[1] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("private nets %v", e.PrivateNets)
	}
	if p := cfg.Modules[1].Egress; p == nil || !p.AllowPrivate {
		t.Errorf("plain %+v", p)
	}
	p, err := newEgressPolicy(e)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for _, c := range []struct {
		url  string
		want bool
	}{
		{"https://api.openai.com/v1/chat", true},
		{"https://API.OpenAI.com./v1", true},
		{"https://api.openai.com:443/", true},
		{"http://api.openai.com/", false},
		{"https://api.openai.com:8443/", false},
		{"https://a.example.com:8443/", true},
		{"https://a.b.example.com:8443/", true},
		{"https://example.com:8443/", false},
		{"https://evilexample.com:8443/", false},
		{"https://a.example.com/", false},
		{"http://[::1]:8080/x", true},
		{"http://[::1]:8081/x", false},
	} {
		u, _ := url.Parse(c.url)
		tg, err := egress.TargetOf(u)
		if got := err == nil && p.Allowed(tg); got != c.want {
			t.Errorf("%s allowed = %v (err %v), want %v", c.url, got, err, c.want)
		}
	}
	for a, want := range map[string]bool{"127.0.0.1": true, "127.0.0.2": false, "10.9.8.7": true, "::1": true, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "8.8.8.8": true, "::ffff:10.0.0.1": true, "224.0.0.1": false} {
		if got := p.AddrAllowed(netip.MustParseAddr(a)); got != want {
			t.Errorf("addrAllowed(%s) = %v, want %v", a, got, want)
		}
	}
}

func TestParseEgressConfigErrors(t *testing.T) {
	mod := "wasmgw:\n  modules:\n    m:\n      path: m.wasm\n      egress:\n"
	for _, c := range []struct{ src, want string }{
		{"        allow: []\n", "c.yaml line 6: wasmgw.modules.m.egress.allow: want a non-empty list of origins"},
		{"        secrets: {}\n", "c.yaml line 6: wasmgw.modules.m.egress.allow: missing"},
		{"        allow: [\"ftp://x.example\"]\n", "line 6: wasmgw.modules.m.egress.allow[0]: \"ftp://x.example\": the scheme must be http or https"},
		{"        allow: [\"https://x.example/v1\"]\n", "allow[0]: \"https://x.example/v1\": an origin has no path"},
		{"        allow: [\"https://x.example:*\"]\n", "the port must be a number from 1 to 65535 (ports are pinned"},
		{"        allow: [\"https://*.com\"]\n", "covers a whole top-level domain"},
		{"        allow: [\"https://a.*.com\"]\n", "a wildcard is allowed only as a leading"},
		{"        allow: [\"https://user@x.example\"]\n", "no path, query, fragment or user information"},
		{"        allow: [\"https://x.example\"]\n        secrets:\n          K: [y.example]\n", "line 8: wasmgw.modules.m.egress.secrets.K[0]: y.example is covered by no wasmgw.modules.m.egress.allow entry"},
		{"        allow: [\"https://a.x.example\"]\n        secrets:\n          K: [\"*.x.example\"]\n", "secrets.K[0]: *.x.example is covered by no"},
		{"        allow: [\"https://x.example\"]\n        secrets:\n          GATEWAY_RELAY_SECRET: [x.example]\n", "relay auth material"},
		{"        allow: [\"https://x.example\"]\n        secrets:\n          K: x.example\n", "secrets.K: want a non-empty list of hosts"},
		{"        allow: [\"https://x.example\"]\n        body_placeholders: [K]\n", "line 7: wasmgw.modules.m.egress.body_placeholders[0]: \"K\" is not in wasmgw.modules.m.egress.secrets"},
		{"        allow: [\"https://x.example\"]\n        allow_private: yes please\n", "allow_private: want true, false or a list"},
		{"        allow: [\"https://x.example\"]\n        allow_private: [10.0.0.0/33]\n", "allow_private[0]: \"10.0.0.0/33\""},
		{"        allow: [\"https://x.example\"]\n        max_response: 1GiB\n", "max_response: want a size from 1 byte to 64MiB"},
		{"        allow: [\"https://x.example\"]\n        proxy: x\n", "egress.proxy: unknown key"},
	} {
		_, err := ParseConfig("c.yaml", []byte(mod+c.src))
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %q", c.src, err, c.want)
		}
	}
}

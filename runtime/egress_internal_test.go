package runtime

import (
	"bytes"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
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

// TestScrubbedBodyNeverHoldsPartOfAValue places a value at every offset
// around the cut, after values that shrink when replaced (so the scrubbed
// text pulls bytes from past the cut forward), and checks no prefix of it
// of 4 bytes or more survives.
func TestScrubbedBodyNeverHoldsPartOfAValue(t *testing.T) {
	const val = "sk-long-secret-value-0123456789abcdefghij" // 40 bytes, replaced by a 16-byte marker
	sc := newScrubber(redact.NewSet(map[string]string{"K": val, "Q": "a+b/c=d&e"}))
	const limit = 256
	for shrink := 0; shrink <= 6; shrink++ {
		for off := limit - len(val) - 2; off <= limit+sc.maxLen+2; off++ {
			body := strings.Repeat(val, shrink)
			if off > len(body) {
				body += strings.Repeat("x", off-len(body))
			} else {
				continue
			}
			body += val + strings.Repeat("y", 100)
			out, truncated, err := readScrubbed(strings.NewReader(body), limit, sc)
			if err != nil {
				t.Fatal(err)
			}
			if !truncated || len(out) > limit {
				t.Fatalf("shrink %d off %d: truncated %v len %d", shrink, off, truncated, len(out))
			}
			for k := 4; k <= len(val); k++ {
				if bytes.Contains(out, []byte(val[:k])) {
					t.Fatalf("shrink %d off %d: the output holds %q", shrink, off, val[:k])
				}
			}
		}
	}
	// Other escapings of a value are scrubbed too.
	sc2 := newScrubber(redact.NewSet(map[string]string{"Z": `a/b&"c"<d>`}))
	for _, form := range []string{`a/b&"c"<d>`, `a/b\u0026\"c\"\u003cd\u003e`, `a/b&\"c\"<d>`, `a\/b&\"c\"<d>`, url.QueryEscape(`a/b&"c"<d>`), url.PathEscape(`a/b&"c"<d>`)} {
		if got := sc2.text("<" + form + ">"); got != "<[REDACTED]>" {
			t.Errorf("%s scrubbed to %s", form, got)
		}
	}
	// The query-escaped form is scrubbed too, and a short body is whole.
	out, truncated, _ := readScrubbed(strings.NewReader("q="+url.QueryEscape("a+b/c=d&e")+" "+val), limit, sc)
	if truncated || string(out) != "q=[REDACTED] [REDACTED]" {
		t.Errorf("got %q truncated %v", out, truncated)
	}
}

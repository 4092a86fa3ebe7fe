package runtime

import (
	"bytes"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
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

func TestFindPlaceholders(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		err  bool
	}{
		{"Bearer {{secret:OPENAI_API_KEY}}", "OPENAI_API_KEY", false},
		{"{{secret:A}}-{{secret:B.c}}", "A,B.c", false},
		{"no placeholder {{ secret:A }}", "", false},
		{"{{secret:}}", "", true},
		{"{{secret:bad name}}", "", true},
		{"{{secret:A", "", true},
		{"{{secret:{{secret:A}}}}", "", true},
	} {
		names, err := egress.FindPlaceholders(c.in, egress.MaxPlaceholderRefs, ValidSecretName)
		if (err != nil) != c.err || strings.Join(names, ",") != c.want {
			t.Errorf("%q: %v %v", c.in, names, err)
		}
	}
}

func TestParseFetchRequest(t *testing.T) {
	ok := func(s string) *egress.Plan {
		t.Helper()
		f, err := parseFetchRequest([]byte(s), 1024)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return f
	}
	f := ok(`{"url":"https://a.example/p?x={{secret:Q}}#frag","method":"post","headers":{"authorization":"Bearer {{secret:K}}"},"body":"{{secret:B}}","timeout_ms":500}`)
	if f.Method != "POST" || f.URL.Fragment != "" || f.Headers[0][0] != "Authorization" || f.Timeout.Milliseconds() != 500 || strings.Join(f.Names(), ",") != "B,K,Q" {
		t.Errorf("plan %+v names %v", f, f.Names())
	}
	f = ok(`{"url":"http://a.example/","body_base64":"AAEC/w=="}`)
	if !bytes.Equal(f.Body, []byte{0, 1, 2, 255}) {
		t.Errorf("body %v", f.Body)
	}
	for _, c := range []struct {
		in   string
		code int32
		want string
	}{
		{`{"url":"https://a.example","x":1}`, abi.ErrInvalid, "unknown field"},
		{`{"url":"https://a.example"} {}`, abi.ErrInvalid, "trailing data"},
		{`{"url":"ftp://a.example"}`, abi.ErrInvalid, "only http and https"},
		{`{"url":"/relative"}`, abi.ErrInvalid, "only http and https"},
		{`{"url":"https:opaque"}`, abi.ErrInvalid, "absolute URL"},
		{`{"url":"https://u:p@a.example"}`, abi.ErrInvalid, "user information"},
		{`{"url":"https://127.1/"}`, abi.ErrInvalid, "malformed IP"},
		{`{"url":"https://a.example","method":"CONNECT"}`, abi.ErrInvalid, "method"},
		{`{"url":"https://a.example","headers":{"Host":"b.example"}}`, abi.ErrInvalid, "Host: the host comes from the URL"},
		{`{"url":"https://a.example","headers":{"Accept-Encoding":"gzip"}}`, abi.ErrInvalid, "scrub"},
		{`{"url":"https://a.example","headers":{"X":"a\r\nY: b"}}`, abi.ErrInvalid, "control characters"},
		{`{"url":"https://a.example","headers":{"x-a":"1","X-A":"2"}}`, abi.ErrInvalid, "given twice"},
		{`{"url":"https://a.example","headers":{"{{secret:K}}":"1"}}`, abi.ErrInvalid, "HTTP token"},
		{`{"url":"https://a.example","body":"a","body_base64":"YQ=="}`, abi.ErrInvalid, "exclusive"},
		{`{"url":"https://a.example","timeout_ms":-1}`, abi.ErrInvalid, "timeout_ms"},
		{`{"url":"https://a.example","body":"` + strings.Repeat("x", 1025) + `"}`, abi.ErrTooLarge, "max_request"},
		{`{"url":"https://a.example","headers":{"X":"{{secret:K"}}`, abi.ErrInvalid, "unterminated"},
	} {
		_, err := parseFetchRequest([]byte(c.in), 1024)
		var fe *egress.Error
		if !errors.As(err, &fe) || fe.Code != c.code || !strings.Contains(fe.Msg, c.want) {
			t.Errorf("%s: %v, want code %d and %q", c.in, err, c.code, c.want)
		}
	}
}

func fuzzPolicy(t testing.TB) *egressPolicy {
	p, err := newEgressPolicy(&EgressConfig{
		Allow:            []string{"https://api.openai.com", "https://*.example.com:8443", "http://127.0.0.1:8080"},
		Secrets:          map[string][]string{"K": {"api.openai.com"}, "W": {"*.example.com"}, "L": {"127.0.0.1"}},
		BodyPlaceholders: []string{"W"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzFetchRequest: decoding and validating any envelope never panics;
// what it accepts is a plain http(s) request whose policy decision is
// consistent with the matcher.
func FuzzFetchRequest(f *testing.F) {
	for _, s := range []string{
		`{"url":"https://api.openai.com/v1/chat/completions","method":"POST","headers":{"Authorization":"Bearer {{secret:K}}"},"body":"{}"}`,
		`{"url":"https://a.example.com:8443/?q={{secret:W}}","body":"{{secret:W}}"}`,
		`{"url":"http://127.0.0.1:8080/{{secret:L}}"}`,
		`{"url":"https://api.openai.com","headers":{"X":"{{secret:K"}}`,
		`{"url":"https://[::1]:8443/","body_base64":"AAE="}`,
		`{"url":"HTTPS://API.OPENAI.COM./","timeout_ms":5}`,
		`{"url":"https://evil.com@api.openai.com/"}`,
		`{"url":"https://api.openai.com%2eevil.com/"}`,
		`{"url":"https://api.openai.com\\@evil.com/"}`,
		`{`, `null`, `[]`, `{"url":""}`,
	} {
		f.Add([]byte(s))
	}
	p := fuzzPolicy(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		plan, err := parseFetchRequest(raw, 4096)
		if err != nil {
			var fe *egress.Error
			if !errors.As(err, &fe) || fe.Code >= 0 {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if plan.Target.Scheme != "http" && plan.Target.Scheme != "https" || plan.Target.Host == "" || plan.URL.User != nil {
			t.Fatalf("accepted %+v", plan.Target)
		}
		r := p.Check(plan)
		if r == nil {
			if !p.Allowed(plan.Target) {
				t.Fatalf("%s passed the check but is not allowed", plan.Target)
			}
			for _, ref := range plan.Refs {
				if ref.Place == egress.PlaceOther || !anyHostMatches(p.SecretHosts(ref.Name), plan.Target.Host) {
					t.Fatalf("placeholder %+v passed for %s", ref, plan.Target)
				}
			}
		}
	})
}

func anyHostMatches(hs []egress.HostPattern, host string) bool {
	for _, h := range hs {
		if h.Match(host) {
			return true
		}
	}
	return false
}

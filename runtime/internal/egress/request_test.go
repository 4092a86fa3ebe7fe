package egress

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
)

func TestParseFetchRequest(t *testing.T) {
	ok := func(s string) *Plan {
		t.Helper()
		f, err := ParseRequest([]byte(s), 1024, validName)
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
		_, err := ParseRequest([]byte(c.in), 1024, validName)
		var fe *Error
		if !errors.As(err, &fe) || fe.Code != c.code || !strings.Contains(fe.Msg, c.want) {
			t.Errorf("%s: %v, want code %d and %q", c.in, err, c.code, c.want)
		}
	}
}

func fuzzPolicy(t testing.TB) *Rules {
	p, err := NewRules([]string{"https://api.openai.com", "https://*.example.com:8443", "http://127.0.0.1:8080"},
		map[string][]string{"K": {"api.openai.com"}, "W": {"*.example.com"}, "L": {"127.0.0.1"}},
		[]string{"W"}, AddrFilter{}, func(string) error { return nil })
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
		plan, err := ParseRequest(raw, 4096, validName)
		if err != nil {
			var fe *Error
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
				if ref.Place == PlaceOther || !anyHostMatches(p.SecretHosts(ref.Name), plan.Target.Host) {
					t.Fatalf("placeholder %+v passed for %s", ref, plan.Target)
				}
			}
		}
	})
}

func anyHostMatches(hs []HostPattern, host string) bool {
	for _, h := range hs {
		if h.Match(host) {
			return true
		}
	}
	return false
}

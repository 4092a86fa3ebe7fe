package egress

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzEgressMatch: parsing any allow entry and any URL never panics, and a
// match means what it says: same scheme, same port, and the host equal to
// the pattern or a subdomain of a wildcard's domain.
func FuzzEgressMatch(f *testing.F) {
	for _, c := range [][2]string{
		{"https://api.openai.com", "https://api.openai.com/v1"},
		{"https://*.example.com:8443", "https://a.b.example.com:8443/x"},
		{"https://*.example.com:8443", "https://example.com:8443/x"},
		{"http://[::1]:8080", "http://[::1]:8080/"},
		{"http://127.0.0.1", "http://127.0.0.1:80/"},
		{"https://xn--bcher-kva.example", "https://XN--BCHER-KVA.example./"},
		{"https://a.example", "https://a.example:443@b.example/"},
		{"https://a.example", "https://b.example#@a.example"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, raw string) {
		o, err := ParseOrigin(pattern)
		if err != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		tg, err := TargetOf(u)
		if err != nil || !o.Match(tg) {
			return
		}
		if tg.Scheme != o.scheme || tg.Port != o.port {
			t.Fatalf("%s matched %s across scheme or port", o, tg)
		}
		if o.wildcard {
			if !strings.HasSuffix(tg.Host, "."+o.host.host) || tg.Host == o.host.host {
				t.Fatalf("%s matched %s", o, tg)
			}
		} else if tg.Host != o.host.host {
			t.Fatalf("%s matched %s", o, tg)
		}
		// The matched host is what the request will dial: re-parsing the
		// URL the request is built from gives the same origin.
		u2, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("%q does not re-parse: %v", u.String(), err)
		}
		if tg2, err := TargetOf(u2); err != nil || tg2 != tg {
			t.Fatalf("%q re-parses to %v (%v), was %v", u.String(), tg2, err, tg)
		}
	})
}

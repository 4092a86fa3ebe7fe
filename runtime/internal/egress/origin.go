package egress

// Origins and hosts of an egress allow list: parsing an allow entry
// ("https://*.example.com:8443") or a secret's host binding, and the origin
// (scheme, host, port) of a request URL that they are matched against.

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Origin is one entry of an allow list.
type Origin struct {
	scheme   string
	host     HostPattern
	port     string
	wildcard bool
}

// HostPattern is an exact host (lower-case name or IP literal without
// brackets) or, when wildcard, the domain under which any subdomain matches.
type HostPattern struct {
	host     string
	wildcard bool
}

// String returns the pattern as written in a config: "host" or "*.domain".
func (h HostPattern) String() string {
	if h.wildcard {
		return "*." + h.host
	}
	return h.host
}

// Match reports whether host (lower-case, an IP literal without brackets)
// is the pattern's host or, for a wildcard, a subdomain of its domain.
func (h HostPattern) Match(host string) bool {
	if h.wildcard {
		return len(host) > len(h.host)+1 && strings.HasSuffix(host, "."+h.host)
	}
	return host == h.host
}

// Covers reports whether every host h matches is also matched by o.
func (o HostPattern) Covers(h HostPattern) bool {
	if !h.wildcard {
		return o.Match(h.host)
	}
	return o.wildcard && (h.host == o.host || strings.HasSuffix(h.host, "."+o.host))
}

// String returns the origin as scheme://host:port.
func (o Origin) String() string {
	return o.scheme + "://" + hostport(o.host.String(), o.port)
}

// Match reports whether t has the origin's scheme and port and a host its
// pattern matches.
func (o Origin) Match(t Target) bool {
	return o.scheme == t.Scheme && o.port == t.Port && o.host.Match(t.Host)
}

// Covers reports whether every host h matches is also matched by the
// origin's host pattern (whatever the scheme and port).
func (o Origin) Covers(h HostPattern) bool { return o.host.Covers(h) }

// Target is the origin a request goes to: scheme, lower-case host (an IP
// literal without brackets) and explicit port.
type Target struct {
	Scheme, Host, Port string
}

// String returns the target as scheme://host:port.
func (t Target) String() string { return t.Scheme + "://" + hostport(t.Host, t.Port) }

func hostport(host, port string) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// parseHost checks and normalizes a host: a DNS name of letters, digits,
// hyphens and underscores (lower-cased, one trailing dot dropped) or an IP
// literal. It refuses zones, percent-encoding and non-ASCII names (use the
// punycode form).
func parseHost(h string) (string, error) {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("invalid IPv6 literal %q", h)
		}
		return a.String(), nil
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return "", fmt.Errorf("invalid host %q: zones are not allowed", h)
		}
		return a.String(), nil
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" || len(h) > 253 {
		return "", errors.New("invalid host: want 1 to 253 characters")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("invalid host %q: empty or overlong label", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("invalid host %q: only letters, digits, '-' and '_' (use the punycode form of an international name)", h)
			}
		}
	}
	// A name made of digits and dots that is not an IP address (such as
	// "127.1" or "0x7f.1") is refused: resolvers disagree about it.
	if strings.Trim(h, "0123456789.x") == "" {
		return "", fmt.Errorf("invalid host %q: looks like a malformed IP address", h)
	}
	return h, nil
}

// ParseHostPattern parses "api.example.com", "*.example.com", "127.0.0.1"
// or "[::1]" (or "::1").
func ParseHostPattern(s string) (HostPattern, error) {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		h, err := parseHost(rest)
		if err != nil {
			return HostPattern{}, err
		}
		if _, err := netip.ParseAddr(h); err == nil {
			return HostPattern{}, fmt.Errorf("a wildcard cannot cover an IP address (%q)", s)
		}
		if !strings.Contains(h, ".") {
			return HostPattern{}, fmt.Errorf("wildcard %q covers a whole top-level domain: name at least two labels after \"*.\"", s)
		}
		return HostPattern{host: h, wildcard: true}, nil
	}
	if strings.Contains(s, "*") {
		return HostPattern{}, fmt.Errorf("invalid host pattern %q: a wildcard is allowed only as a leading \"*.\"", s)
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() {
		s = "[" + s + "]"
	}
	h, err := parseHost(s)
	if err != nil {
		return HostPattern{}, err
	}
	return HostPattern{host: h}, nil
}

// ParseOrigin parses an allow entry: scheme://host[:port], with host a name,
// an IP literal or "*.domain". No path (but "/"), query, fragment or user
// information.
func ParseOrigin(s string) (Origin, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Origin{}, fmt.Errorf("%q: want scheme://host[:port], such as https://api.openai.com", s)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return Origin{}, fmt.Errorf("%q: the scheme must be http or https", s)
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@\\ ") {
		return Origin{}, fmt.Errorf("%q: an origin has no path, query, fragment or user information", s)
	}
	hostPart, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		if strings.Count(rest, ":") > 1 && !strings.HasPrefix(rest, "[") {
			return Origin{}, fmt.Errorf("%q: write an IPv6 address in brackets", s)
		}
		hostPart, port = rest[:i], rest[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return Origin{}, fmt.Errorf("%q: the port must be a number from 1 to 65535 (ports are pinned, no wildcard)", s)
		}
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	hp, err := ParseHostPattern(hostPart)
	if err != nil {
		return Origin{}, fmt.Errorf("%q: %v", s, err)
	}
	return Origin{scheme: scheme, host: hp, port: port, wildcard: hp.wildcard}, nil
}

// TargetOf returns the origin of a request URL, refusing what is not a
// plain absolute http(s) URL.
func TargetOf(u *url.URL) (Target, error) {
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return Target{}, fmt.Errorf("scheme %q: only http and https", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return Target{}, errors.New("want an absolute URL with a host")
	case u.User != nil:
		return Target{}, errors.New("user information in the URL is not allowed (send credentials in a header)")
	}
	hostPart, port := u.Host, ""
	if i := strings.LastIndexByte(u.Host, ':'); i >= 0 && !strings.HasSuffix(u.Host, "]") {
		hostPart, port = u.Host[:i], u.Host[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return Target{}, fmt.Errorf("invalid port %q", port)
		}
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	if strings.ContainsAny(hostPart, "%*") {
		return Target{}, fmt.Errorf("invalid host %q", hostPart)
	}
	h, err := parseHost(hostPart)
	if err != nil {
		return Target{}, err
	}
	return Target{Scheme: scheme, Host: h, Port: port}, nil
}

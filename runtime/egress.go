package runtime

// Egress: the http_fetch host function's policy, transport, secret
// substitution and response scrubbing. The guest names a secret with a
// placeholder {{secret:NAME}}; the host substitutes the value only for the
// destinations the module's policy binds that name to, so the value never
// enters guest memory. See docs/egress.md.
//
// Every check that can be made before a connection is made before it: the
// origin against the allow list, each placeholder against the secret's
// hosts and permitted places, IP literals against the private ranges.
// Names are checked again at connection time (the dialer's Control refuses
// private resolved addresses) and on every redirect (CheckRedirect applies
// the whole policy again, and a request that carried a secret never leaves
// its origin).

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// Egress defaults and ceilings.
const (
	DefaultMaxResponse = 1 << 20
	DefaultMaxRequest  = 1 << 20
	// MaxEgressBytes is the ceiling of max_response and max_request.
	MaxEgressBytes = 64 << 20
	// maxRedirects bounds the redirects one fetch follows.
	maxRedirects = 5
	// maxFetchHeaders bounds the headers of one request.
	maxFetchHeaders = 64
	// maxHeaderValue bounds one request header value (before substitution).
	maxHeaderValue = 16 << 10
	// maxResponseHeaderBytes bounds the response headers.
	maxResponseHeaderBytes = 64 << 10
	// maxFetchTimeout bounds timeout_ms; the call's deadline applies anyway.
	maxFetchTimeout = time.Hour
)

// Reasons recorded in egress audit records and error messages.
const (
	ReasonNoPolicy          = "no_policy"
	ReasonHostNotAllowed    = "host_not_allowed"
	ReasonSecretNotBound    = "secret_not_bound"
	ReasonSecretHost        = "secret_not_allowed_for_host"
	ReasonPlacement         = "placeholder_not_allowed_here"
	ReasonInsecureScheme    = "insecure_scheme"
	ReasonPrivateAddress    = "private_address"
	ReasonRedirectOffOrigin = "redirect_off_origin"
	ReasonTooManyRedirects  = "too_many_redirects"
	ReasonSecretDenied      = "secret_denied"
	ReasonSecretNotFound    = "secret_not_found"
	ReasonValueUnsafe       = "value_not_header_safe"
)

// AuditKindEgress marks an egress audit record.
const AuditKindEgress = "egress"

// Outcomes of egress records. They differ from a read's outcomes on
// purpose: a consumer that counts "granted" reads never mistakes a
// substitution (which put no value in the guest) for one.
const (
	// OutcomeAllowed: the policy let the request go, with the named secret
	// substituted (or with none); it was then attempted.
	OutcomeAllowed Outcome = "allowed"
	// OutcomeRefused: the policy refused it (Reason says why), before any
	// connection, or at a redirect or a dial.
	OutcomeRefused Outcome = "refused"
)

// EgressConfig is a module's egress policy (wasmgw.modules.NAME.egress).
// A module without one cannot use http_fetch.
type EgressConfig struct {
	// Allow lists the origins the module may reach: "https://api.openai.com",
	// "https://*.example.com:8443". Scheme and port are pinned (the port
	// defaults to the scheme's); "*." matches one or more labels, never the
	// bare domain.
	Allow []string
	// Secrets binds each secret name that may be substituted to the hosts
	// (exact or "*.domain") it may be sent to. A name not listed is never
	// substituted. These are independent of the module's grants: a module
	// may send a value it cannot read.
	Secrets map[string][]string
	// BodyPlaceholders lists the names (of Secrets) that may also be
	// substituted in the request body and URL query; other names only in
	// header values.
	BodyPlaceholders []string
	// AllowPrivate lets the module reach every private, loopback and
	// link-local address; PrivateNets only those listed. Unspecified,
	// multicast and broadcast addresses are never reachable.
	AllowPrivate bool
	PrivateNets  []netip.Prefix
	// MaxResponse bounds the response body the guest receives (0: 1MiB);
	// MaxRequest the request body it may send (0: 1MiB).
	MaxResponse uint64
	MaxRequest  uint64
}

// originPattern is one entry of an allow list.
type originPattern struct {
	scheme   string
	host     hostPattern
	port     string
	wildcard bool
}

// hostPattern is an exact host (lower-case name or IP literal without
// brackets) or, when wildcard, the domain under which any subdomain matches.
type hostPattern struct {
	host     string
	wildcard bool
}

func (h hostPattern) String() string {
	if h.wildcard {
		return "*." + h.host
	}
	return h.host
}

func (h hostPattern) match(host string) bool {
	if h.wildcard {
		return len(host) > len(h.host)+1 && strings.HasSuffix(host, "."+h.host)
	}
	return host == h.host
}

// covers reports whether every host h matches is also matched by o.
func (o hostPattern) covers(h hostPattern) bool {
	if !h.wildcard {
		return o.match(h.host)
	}
	return o.wildcard && (h.host == o.host || strings.HasSuffix(h.host, "."+o.host))
}

func (o originPattern) String() string {
	return o.scheme + "://" + hostport(o.host.String(), o.port)
}

func (o originPattern) match(t target) bool {
	return o.scheme == t.scheme && o.port == t.port && o.host.match(t.host)
}

// target is the origin a request goes to: scheme, lower-case host (an IP
// literal without brackets) and explicit port.
type target struct {
	scheme, host, port string
}

func (t target) String() string { return t.scheme + "://" + hostport(t.host, t.port) }

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

// parseHostPattern parses "api.example.com", "*.example.com", "127.0.0.1"
// or "[::1]" (or "::1").
func parseHostPattern(s string) (hostPattern, error) {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		h, err := parseHost(rest)
		if err != nil {
			return hostPattern{}, err
		}
		if _, err := netip.ParseAddr(h); err == nil {
			return hostPattern{}, fmt.Errorf("a wildcard cannot cover an IP address (%q)", s)
		}
		if !strings.Contains(h, ".") {
			return hostPattern{}, fmt.Errorf("wildcard %q covers a whole top-level domain: name at least two labels after \"*.\"", s)
		}
		return hostPattern{host: h, wildcard: true}, nil
	}
	if strings.Contains(s, "*") {
		return hostPattern{}, fmt.Errorf("invalid host pattern %q: a wildcard is allowed only as a leading \"*.\"", s)
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() {
		s = "[" + s + "]"
	}
	h, err := parseHost(s)
	if err != nil {
		return hostPattern{}, err
	}
	return hostPattern{host: h}, nil
}

// parseOrigin parses an allow entry: scheme://host[:port], with host a name,
// an IP literal or "*.domain". No path (but "/"), query, fragment or user
// information.
func parseOrigin(s string) (originPattern, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return originPattern{}, fmt.Errorf("%q: want scheme://host[:port], such as https://api.openai.com", s)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return originPattern{}, fmt.Errorf("%q: the scheme must be http or https", s)
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@\\ ") {
		return originPattern{}, fmt.Errorf("%q: an origin has no path, query, fragment or user information", s)
	}
	hostPart, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		if strings.Count(rest, ":") > 1 && !strings.HasPrefix(rest, "[") {
			return originPattern{}, fmt.Errorf("%q: write an IPv6 address in brackets", s)
		}
		hostPart, port = rest[:i], rest[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return originPattern{}, fmt.Errorf("%q: the port must be a number from 1 to 65535 (ports are pinned, no wildcard)", s)
		}
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	hp, err := parseHostPattern(hostPart)
	if err != nil {
		return originPattern{}, fmt.Errorf("%q: %v", s, err)
	}
	return originPattern{scheme: scheme, host: hp, port: port, wildcard: hp.wildcard}, nil
}

// targetOf returns the origin of a request URL, refusing what is not a
// plain absolute http(s) URL.
func targetOf(u *url.URL) (target, error) {
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return target{}, fmt.Errorf("scheme %q: only http and https", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return target{}, errors.New("want an absolute URL with a host")
	case u.User != nil:
		return target{}, errors.New("user information in the URL is not allowed (send credentials in a header)")
	}
	hostPart, port := u.Host, ""
	if i := strings.LastIndexByte(u.Host, ':'); i >= 0 && !strings.HasSuffix(u.Host, "]") {
		hostPart, port = u.Host[:i], u.Host[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return target{}, fmt.Errorf("invalid port %q", port)
		}
	}
	if port == "" {
		port = defaultPort(scheme)
	}
	if strings.ContainsAny(hostPart, "%*") {
		return target{}, fmt.Errorf("invalid host %q", hostPart)
	}
	h, err := parseHost(hostPart)
	if err != nil {
		return target{}, err
	}
	return target{scheme: scheme, host: h, port: port}, nil
}

// egressPolicy is a module's compiled egress policy with its own transport:
// connections are pooled per policy, so one module's connection (made under
// its own allow_private) is never reused by another module or profile.
type egressPolicy struct {
	allow        []originPattern
	secrets      map[string][]hostPattern
	body         map[string]bool
	allowPrivate bool
	privateNets  []netip.Prefix
	maxResponse  uint64
	maxRequest   uint64
	names        []string // sorted names of secrets, the lookup grants

	transport *http.Transport
	client    *http.Client
}

// newEgressPolicy compiles c; nil gives nil (no egress).
func newEgressPolicy(c *EgressConfig) (*egressPolicy, error) {
	if c == nil {
		return nil, nil
	}
	p := &egressPolicy{
		secrets: map[string][]hostPattern{}, body: map[string]bool{},
		allowPrivate: c.AllowPrivate, privateNets: append([]netip.Prefix(nil), c.PrivateNets...),
		maxResponse: c.MaxResponse, maxRequest: c.MaxRequest,
	}
	if p.maxResponse == 0 {
		p.maxResponse = DefaultMaxResponse
	}
	if p.maxRequest == 0 {
		p.maxRequest = DefaultMaxRequest
	}
	if p.maxResponse > MaxEgressBytes || p.maxRequest > MaxEgressBytes {
		return nil, fmt.Errorf("egress: max_response and max_request are at most %d bytes", MaxEgressBytes)
	}
	for _, s := range c.Allow {
		o, err := parseOrigin(s)
		if err != nil {
			return nil, fmt.Errorf("egress.allow: %w", err)
		}
		p.allow = append(p.allow, o)
	}
	for name, hosts := range c.Secrets {
		if err := checkEgressName(name); err != nil {
			return nil, fmt.Errorf("egress.secrets: %w", err)
		}
		for _, h := range hosts {
			hp, err := parseHostPattern(h)
			if err != nil {
				return nil, fmt.Errorf("egress.secrets.%s: %w", name, err)
			}
			if !p.hostAllowed(hp) {
				return nil, fmt.Errorf("egress.secrets.%s: %s is covered by no egress.allow entry", name, hp)
			}
			p.secrets[name] = append(p.secrets[name], hp)
		}
		p.names = append(p.names, name)
	}
	sort.Strings(p.names)
	for _, name := range c.BodyPlaceholders {
		if _, ok := c.Secrets[name]; !ok {
			return nil, fmt.Errorf("egress.body_placeholders: %q is not in egress.secrets", name)
		}
		p.body[name] = true
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	p.transport = &http.Transport{
		Proxy:                  nil, // never a proxy from the environment
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		ExpectContinueTimeout:  time.Second,
	}
	p.client = &http.Client{Transport: p.transport, CheckRedirect: p.checkRedirect}
	return p, nil
}

func checkEgressName(name string) error {
	switch {
	case !ValidSecretName(name):
		return fmt.Errorf("%q is not a secret name ([A-Za-z_][A-Za-z0-9_.-]*)", name)
	case strings.HasPrefix(name, reservedPrefix):
		return fmt.Errorf("%q is relay auth material, which is never sent", name)
	}
	return nil
}

// close drops the policy's idle connections.
func (p *egressPolicy) close() {
	if p != nil {
		p.transport.CloseIdleConnections()
	}
}

func (p *egressPolicy) hostAllowed(h hostPattern) bool {
	for _, o := range p.allow {
		if o.host.covers(h) {
			return true
		}
	}
	return false
}

func (p *egressPolicy) allowed(t target) bool {
	for _, o := range p.allow {
		if o.match(t) {
			return true
		}
	}
	return false
}

// addrAllowed reports whether the module may connect to a.
func (p *egressPolicy) addrAllowed(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return false // never a destination, whatever the policy says
	case publicAddr(a):
		return true
	case p.allowPrivate:
		return true
	}
	for _, n := range p.privateNets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// nonPublic lists the special-purpose ranges netip has no predicate for
// (RFC 6890 and successors): none of them is a public destination.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"::/96", "100::/64", "2001::/23", "2001:db8::/32", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// publicAddr reports whether a is a globally routable unicast address.
// Addresses that embed an IPv4 address (NAT64, 6to4) are judged by it.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, n := range nonPublic {
		if n.Contains(a) {
			return false
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
			return false
		case netip.MustParsePrefix("2002::/16").Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return true
}

// loopbackLiteral reports whether host is a loopback IP literal (a name
// such as "localhost" is not trusted to stay one).
func loopbackLiteral(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// refusal is an egress policy refusal: its message names names and hosts,
// never values.
type refusal struct {
	reason string
	host   string   // the destination the refusal concerns
	names  []string // the secrets involved, for the audit record
	msg    string
}

func (r *refusal) Error() string { return "egress refused: " + r.msg }

// control runs before every connect: it refuses resolved addresses the
// policy does not allow, so DNS cannot point an allowed name at a private
// address.
func (p *egressPolicy) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return &refusal{reason: ReasonPrivateAddress, msg: "only TCP connections are made"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &refusal{reason: ReasonPrivateAddress, msg: fmt.Sprintf("cannot check the address %q", address)}
	}
	if !p.addrAllowed(ap.Addr()) {
		return &refusal{reason: ReasonPrivateAddress, msg: fmt.Sprintf(
			"the destination resolved to %s, a private, local or reserved address this module may not reach (egress.allow_private)", ap.Addr().Unmap())}
	}
	return nil
}

// fetchState travels in a request's context to CheckRedirect.
type fetchState struct {
	origin  target
	current target
	names   []string // substituted secrets; non-empty pins the origin
}

type fetchStateKey struct{}

// checkRedirect applies the whole policy again to every redirect.
func (p *egressPolicy) checkRedirect(req *http.Request, via []*http.Request) error {
	st, _ := req.Context().Value(fetchStateKey{}).(*fetchState)
	if st == nil {
		return errors.New("egress: redirect outside a fetch")
	}
	t, err := targetOf(req.URL)
	if err != nil {
		return &refusal{reason: ReasonHostNotAllowed, host: st.current.String(), names: st.names,
			msg: "redirect to an invalid location: " + err.Error()}
	}
	switch {
	case len(via) > maxRedirects:
		return &refusal{reason: ReasonTooManyRedirects, host: t.String(), names: st.names,
			msg: fmt.Sprintf("more than %d redirects", maxRedirects)}
	case !p.allowed(t):
		return &refusal{reason: ReasonHostNotAllowed, host: t.String(), names: st.names,
			msg: fmt.Sprintf("redirect to %s, which is not in this module's egress allow list", t)}
	case len(st.names) > 0 && t != st.origin:
		return &refusal{reason: ReasonRedirectOffOrigin, host: t.String(), names: st.names,
			msg: fmt.Sprintf("redirect from %s to %s: a request that carried a secret follows redirects only within its origin", st.origin, t)}
	}
	if a, err := netip.ParseAddr(t.host); err == nil && !p.addrAllowed(a) {
		return &refusal{reason: ReasonPrivateAddress, host: t.String(), names: st.names,
			msg: fmt.Sprintf("redirect to %s, a private, local or reserved address this module may not reach", t)}
	}
	st.current = t
	return nil
}

// Placement of a placeholder in a request.
const (
	placeHeader = "header"
	placeQuery  = "query"
	placeBody   = "body"
	placeOther  = "url" // path, host or fragment: never substituted
)

type placeholderRef struct {
	name  string
	place string
}

// fetchPlan is a validated request, placeholders not yet substituted.
type fetchPlan struct {
	method  string
	url     *url.URL
	target  target
	headers [][2]string // canonical name, value
	body    []byte
	timeout time.Duration
	refs    []placeholderRef
	// distinct are the distinct names of refs, sorted (at most
	// maxPlaceholderNames).
	distinct []string
}

// Bounds of the placeholders of one request: the host's work on them (and
// the audit records and log lines they cause) stays small whatever the
// guest sends.
const (
	// maxPlaceholderNames bounds the distinct secrets one request names.
	maxPlaceholderNames = 32
	// maxPlaceholderRefs bounds the placeholders of one request, repeats
	// included.
	maxPlaceholderRefs = 1024
)

// names returns the distinct secret names the plan refers to, sorted.
func (f *fetchPlan) names() []string { return f.distinct }

// distinctNames returns the distinct names of refs, sorted, in linear time
// (plus the sort of at most maxPlaceholderNames names); an error when
// there are more than maxPlaceholderNames.
func distinctNames(refs []placeholderRef) ([]string, error) {
	seen := make(map[string]struct{}, min(len(refs), maxPlaceholderNames+1))
	var out []string
	for _, r := range refs {
		if _, ok := seen[r.name]; ok {
			continue
		}
		if len(out) == maxPlaceholderNames {
			return nil, fmt.Errorf("a request may name at most %d distinct secrets in {{secret:...}} placeholders", maxPlaceholderNames)
		}
		seen[r.name] = struct{}{}
		out = append(out, r.name)
	}
	sort.Strings(out)
	return out, nil
}

// fetchError is a refused or failed fetch: an abi error code and a message
// for the guest (names only, never values).
type fetchError struct {
	code int32
	msg  string
}

func (e *fetchError) Error() string { return e.msg }

func invalidf(format string, args ...any) *fetchError {
	return &fetchError{code: abi.ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

const placeholderOpen, placeholderClose = "{{secret:", "}}"

// findPlaceholders returns the names of the placeholders in s, in order. A
// "{{secret:" that does not start a well-formed placeholder is an error, so
// a typo is never sent as literal text, and so is more than limit
// placeholders.
func findPlaceholders(s string, limit int) ([]string, error) {
	var names []string
	for {
		i := strings.Index(s, placeholderOpen)
		if i < 0 {
			return names, nil
		}
		if len(names) >= limit {
			return nil, fmt.Errorf("more than %d {{secret:...}} placeholders in one request", maxPlaceholderRefs)
		}
		s = s[i+len(placeholderOpen):]
		j := strings.Index(s, placeholderClose)
		if j < 0 {
			return nil, errors.New("unterminated {{secret:...}} placeholder")
		}
		name := s[:j]
		if !ValidSecretName(name) {
			return nil, errors.New("malformed {{secret:NAME}} placeholder (NAME is [A-Za-z_][A-Za-z0-9_.-]*)")
		}
		names = append(names, name)
		s = s[j+len(placeholderClose):]
	}
}

// forbiddenHeaders are set by the host (or would defeat its checks).
var forbiddenHeaders = map[string]string{
	"Host":                "the host comes from the URL",
	"Content-Length":      "the host sets it",
	"Transfer-Encoding":   "the host sets it",
	"Connection":          "a hop-by-hop header",
	"Keep-Alive":          "a hop-by-hop header",
	"Upgrade":             "protocol upgrades are not supported",
	"Te":                  "a hop-by-hop header",
	"Trailer":             "trailers are not supported",
	"Proxy-Connection":    "a hop-by-hop header",
	"Proxy-Authorization": "no proxy is used",
	"Accept-Encoding":     "the host negotiates compression itself, so that it can scrub responses",
}

var fetchMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// maxEnvelope bounds a request envelope for a body limit: JSON escaping may
// grow a body sixfold.
func maxEnvelope(maxRequest uint64) uint64 { return 6*maxRequest + 64<<10 }

// parseFetchRequest decodes and validates a request envelope. It is pure:
// no policy, no secrets.
func parseFetchRequest(raw []byte, maxRequest uint64) (*fetchPlan, error) {
	if uint64(len(raw)) > maxEnvelope(maxRequest) {
		return nil, &fetchError{code: abi.ErrTooLarge, msg: fmt.Sprintf("request envelope of %d bytes is over the limit for a body of at most %d bytes", len(raw), maxRequest)}
	}
	var req abi.FetchRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, invalidf("request envelope: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidf("request envelope: trailing data after the JSON object")
	}
	f := &fetchPlan{method: strings.ToUpper(req.Method)}
	if f.method == "" {
		f.method = "GET"
	}
	if !slices.Contains(fetchMethods, f.method) {
		return nil, invalidf("method %q: want one of %s", req.Method, strings.Join(fetchMethods, ", "))
	}
	if !utf8.ValidString(req.URL) || strings.ContainsAny(req.URL, "\x00\r\n\t ") {
		return nil, invalidf("url: control characters or spaces (percent-encode them)")
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, invalidf("url: %v", errors.Unwrap(err))
	}
	if f.target, err = targetOf(u); err != nil {
		return nil, invalidf("url: %v", err)
	}
	u.Fragment, u.RawFragment = "", ""
	f.url = u
	names, err := findPlaceholders(u.RawQuery, maxPlaceholderRefs)
	if err != nil {
		return nil, invalidf("url query: %v", err)
	}
	for _, n := range names {
		f.refs = append(f.refs, placeholderRef{n, placeQuery})
	}
	for _, s := range []string{u.Path, u.RawPath, u.Host} {
		names, err := findPlaceholders(s, maxPlaceholderRefs-len(f.refs))
		if err != nil {
			return nil, invalidf("url: %v", err)
		}
		for _, n := range names {
			f.refs = append(f.refs, placeholderRef{n, placeOther})
		}
	}
	if len(req.Headers) > maxFetchHeaders {
		return nil, invalidf("headers: %d of them, at most %d", len(req.Headers), maxFetchHeaders)
	}
	keys := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := req.Headers[k]
		if !validHeaderName(k) {
			return nil, invalidf("header name %q: want an HTTP token of at most 256 bytes", clipName(k))
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if why, bad := forbiddenHeaders[ck]; bad {
			return nil, invalidf("header %s: %s", ck, why)
		}
		if len(v) > maxHeaderValue || !validHeaderValue(v) {
			return nil, invalidf("header %s: value over %d bytes or with control characters", ck, maxHeaderValue)
		}
		if slices.ContainsFunc(f.headers, func(h [2]string) bool { return h[0] == ck }) {
			return nil, invalidf("header %s: given twice (names are case-insensitive)", ck)
		}
		names, err := findPlaceholders(v, maxPlaceholderRefs-len(f.refs))
		if err != nil {
			return nil, invalidf("header %s: %v", ck, err)
		}
		for _, n := range names {
			f.refs = append(f.refs, placeholderRef{n, placeHeader})
		}
		f.headers = append(f.headers, [2]string{ck, v})
	}
	switch {
	case req.Body != "" && req.BodyBase64 != "":
		return nil, invalidf("body and body_base64 are exclusive")
	case req.BodyBase64 != "":
		if f.body, err = base64.StdEncoding.DecodeString(req.BodyBase64); err != nil {
			return nil, invalidf("body_base64: %v", err)
		}
	default:
		f.body = []byte(req.Body)
	}
	if uint64(len(f.body)) > maxRequest {
		return nil, &fetchError{code: abi.ErrTooLarge, msg: fmt.Sprintf("request body of %d bytes is over the module's max_request of %d", len(f.body), maxRequest)}
	}
	names, err = findPlaceholders(string(f.body), maxPlaceholderRefs-len(f.refs))
	if err != nil {
		return nil, invalidf("body: %v", err)
	}
	for _, n := range names {
		f.refs = append(f.refs, placeholderRef{n, placeBody})
	}
	if f.distinct, err = distinctNames(f.refs); err != nil {
		return nil, invalidf("%v", err)
	}
	if req.TimeoutMS < 0 || time.Duration(req.TimeoutMS) > maxFetchTimeout/time.Millisecond {
		return nil, invalidf("timeout_ms: want 0 (the call's deadline) to %d", maxFetchTimeout.Milliseconds())
	}
	f.timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	return f, nil
}

func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue refuses control characters other than tab (so no value,
// substituted or not, can split a header).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// check applies the policy to a plan before any lookup or connection.
func (p *egressPolicy) check(f *fetchPlan) *refusal {
	t := f.target
	names := f.names()
	if !p.allowed(t) {
		return &refusal{reason: ReasonHostNotAllowed, host: t.String(), names: names,
			msg: fmt.Sprintf("%s is not in this module's egress allow list", t)}
	}
	if a, err := netip.ParseAddr(t.host); err == nil && !p.addrAllowed(a) {
		return &refusal{reason: ReasonPrivateAddress, host: t.String(), names: names,
			msg: fmt.Sprintf("%s is a private, local or reserved address this module may not reach (egress.allow_private)", t)}
	}
	for _, r := range f.refs {
		hosts, ok := p.secrets[r.name]
		switch {
		case !ok:
			return &refusal{reason: ReasonSecretNotBound, host: t.String(), names: []string{r.name},
				msg: fmt.Sprintf("secret %q may not be sent anywhere by this module (it is not in egress.secrets)", r.name)}
		case !slices.ContainsFunc(hosts, func(h hostPattern) bool { return h.match(t.host) }):
			return &refusal{reason: ReasonSecretHost, host: t.String(), names: []string{r.name},
				msg: fmt.Sprintf("secret %q may not be sent to %s (egress.secrets.%s: %s)", r.name, t.host, r.name, joinHosts(hosts))}
		case r.place == placeOther:
			return &refusal{reason: ReasonPlacement, host: t.String(), names: []string{r.name},
				msg: fmt.Sprintf("secret %q: placeholders are substituted in header values, the query and the body, never in the URL path", r.name)}
		case r.place != placeHeader && !p.body[r.name]:
			return &refusal{reason: ReasonPlacement, host: t.String(), names: []string{r.name},
				msg: fmt.Sprintf("secret %q may be placed only in header values, not in the %s (egress.body_placeholders)", r.name, r.place)}
		case t.scheme != "https" && !loopbackLiteral(t.host):
			return &refusal{reason: ReasonInsecureScheme, host: t.String(), names: []string{r.name},
				msg: fmt.Sprintf("secret %q would travel in cleartext to %s: secrets are sent over https, or over http only to a loopback address", r.name, t)}
		}
	}
	return nil
}

func joinHosts(hs []hostPattern) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, ", ")
}

// auditEgress records one egress decision per secret name (one record with
// no name when there is none).
func (b *binding) auditEgress(names []string, host string, outcome Outcome, reason string) {
	if len(names) == 0 {
		names = []string{""}
	}
	// Names and hosts come from the guest: one that holds a value it was
	// granted must not carry it into the audit trail.
	scrub := func(s string) string { return clipAuditField(b.learned.Text(s, redact.Named)) }
	redacted := ""
	for _, n := range names {
		b.audit(func() AuditRecord {
			if redacted == "" {
				redacted = scrub(host)
			}
			return AuditRecord{
				Time: b.e.now().UTC(), Kind: AuditKindEgress, Profile: b.profile, Module: b.module, ModuleSHA256: b.sha,
				Name: scrub(n), Outcome: outcome, Host: redacted, Reason: reason,
			}
		})
	}
}

// refuse audits and logs a refusal and returns it as a fetch error.
func (b *binding) refuse(r *refusal, code int32) *fetchError {
	b.auditEgress(r.names, r.host, OutcomeRefused, r.reason)
	msg := b.learned.Text(r.Error(), redact.Anonymous)
	b.hostLine(slog.LevelWarn, "http_fetch refused", "host", clipAuditField(b.learned.Text(r.host, redact.Named)), "reason", r.reason,
		"secrets", clipAuditField(b.learned.Text(strings.Join(r.names, ","), redact.Named)))
	return &fetchError{code: code, msg: msg}
}

// fetch serves one http_fetch: raw is the guest's request envelope (a copy).
// It returns the response envelope, or an error code and an abi.Error
// envelope explaining it.
func (b *binding) fetch(ctx context.Context, raw []byte) ([]byte, int32) {
	resp, err := b.doFetch(ctx, raw)
	if err != nil {
		var fe *fetchError
		if !errors.As(err, &fe) {
			fe = &fetchError{code: abi.ErrNetwork, msg: err.Error()}
		}
		env, _ := json.Marshal(abi.Error{Code: abi.ErrorName(fe.code), Message: b.learned.Text(fe.msg, redact.Anonymous)})
		return env, fe.code
	}
	return resp, 0
}

func (b *binding) doFetch(ctx context.Context, raw []byte) ([]byte, error) {
	p := b.egress
	maxRequest := uint64(DefaultMaxRequest)
	if p != nil {
		maxRequest = p.maxRequest
	}
	plan, err := parseFetchRequest(raw, maxRequest)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, b.refuse(&refusal{reason: ReasonNoPolicy, host: plan.target.String(), names: plan.names(),
			msg: fmt.Sprintf("module %q has no egress policy (wasmgw.modules.%s.egress)", b.module, b.module)}, abi.ErrEgress)
	}
	if r := p.check(plan); r != nil {
		return nil, b.refuse(r, abi.ErrEgress)
	}
	names := plan.names()
	values := make(map[string]string, len(names))
	for _, name := range names {
		v, outcome := b.call.scope.Lookup(name, p.names)
		switch outcome {
		case OutcomeGranted:
			values[name] = v
			b.learn(name, v) // substituted for it: scrubbed from what comes back
		case OutcomeNotFound:
			return nil, b.refuse(&refusal{reason: ReasonSecretNotFound, host: plan.target.String(), names: []string{name},
				msg: fmt.Sprintf("secret %q is not set in this profile", name)}, abi.ErrNotFound)
		default:
			return nil, b.refuse(&refusal{reason: ReasonSecretDenied, host: plan.target.String(), names: []string{name},
				msg: fmt.Sprintf("secret %q may not be sent", name)}, abi.ErrEgress)
		}
	}
	req, err := b.buildRequest(ctx, plan, values)
	if err != nil {
		return nil, err
	}
	b.auditEgress(names, plan.target.String(), OutcomeAllowed, "")
	st := &fetchState{origin: plan.target, current: plan.target, names: names}
	rctx := context.WithValue(req.Context(), fetchStateKey{}, st)
	if plan.timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(rctx, plan.timeout)
		defer cancel()
	}
	req = req.WithContext(rctx)
	scrub := newScrubber(b.learned)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, b.transportError(ctx, rctx, st, scrub, err)
	}
	defer resp.Body.Close()
	body, truncated, err := readScrubbed(resp.Body, p.maxResponse, scrub)
	if err != nil {
		return nil, b.transportError(ctx, rctx, st, scrub, err)
	}
	out := abi.FetchResponse{Status: resp.StatusCode, Truncated: truncated}
	if len(resp.Header) > 0 {
		out.Headers = make(map[string][]string, len(resp.Header))
		for k, vs := range resp.Header {
			k = scrub.text(k)
			for _, v := range vs {
				out.Headers[k] = append(out.Headers[k], scrub.text(v))
			}
		}
	}
	if utf8.Valid(body) {
		out.Body = string(body)
	} else {
		out.BodyBase64 = base64.StdEncoding.EncodeToString(body)
	}
	return json.Marshal(out)
}

// buildRequest substitutes the values into a copy of the plan's request.
func (b *binding) buildRequest(ctx context.Context, plan *fetchPlan, values map[string]string) (*http.Request, error) {
	sub := func(s string, esc func(string) string) string {
		if !strings.Contains(s, placeholderOpen) {
			return s
		}
		args := make([]string, 0, 2*len(values))
		for n, v := range values {
			args = append(args, placeholderOpen+n+placeholderClose, esc(v))
		}
		return strings.NewReplacer(args...).Replace(s)
	}
	raw := func(s string) string { return s }
	u := *plan.url
	u.RawQuery = sub(u.RawQuery, url.QueryEscape)
	body := []byte(sub(string(plan.body), raw))
	req, err := http.NewRequestWithContext(ctx, plan.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, invalidf("request: cannot be built")
	}
	if len(body) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	for _, h := range plan.headers {
		v := sub(h[1], raw)
		if !validHeaderValue(v) {
			r := &refusal{reason: ReasonValueUnsafe, host: plan.target.String(), names: plan.names(),
				msg: fmt.Sprintf("header %s: a substituted value holds control characters and cannot go in a header", h[0])}
			return nil, b.refuse(r, abi.ErrEgress)
		}
		req.Header[h[0]] = []string{v}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{"wasmgw"}
	}
	return req, nil
}

// transportError classifies a failed request: a policy refusal (at dial or
// redirect) is audited and answered ErrEgress; anything else is ErrNetwork
// with a message built without the request's URL (which may carry a
// substituted value in its query) and scrubbed all the same.
func (b *binding) transportError(callCtx, reqCtx context.Context, st *fetchState, scrub *scrubber, err error) error {
	var r *refusal
	if errors.As(err, &r) {
		rr := *r
		if rr.host == "" {
			rr.host = st.current.String()
		}
		if rr.names == nil {
			rr.names = st.names
		}
		return b.refuse(&rr, abi.ErrEgress)
	}
	var msg string
	var dns *net.DNSError
	var ue *url.Error
	switch {
	case callCtx.Err() != nil:
		msg = "the call was stopped (timeout or interrupt) during the request"
	case reqCtx.Err() != nil:
		msg = "the request ran past its timeout_ms"
	case errors.As(err, &dns):
		msg = fmt.Sprintf("cannot resolve %s", st.current.host)
	case errors.As(err, &ue):
		msg = fmt.Sprintf("request to %s failed: %v", st.current, ue.Err)
	default:
		msg = fmt.Sprintf("request to %s failed: %v", st.current, err)
	}
	b.hostLine(slog.LevelInfo, "http_fetch failed", "host", clipAuditField(scrub.text(st.current.String())), "error", scrub.text(msg))
	return &fetchError{code: abi.ErrNetwork, msg: scrub.text(msg)}
}

// scrubber replaces, in response text, the values the instance could
// have learned (those it read and those substituted for it, this request's
// included) in every form a server may echo them in: raw, JSON-escaped as
// the common encoders write it, URL-escaped. The marker names no secret:
// the guest may pass the text on to a chat user.
type scrubber struct {
	repl   *strings.Replacer
	forms  []string // every form of every value, for cutting a partial tail
	maxLen int
}

func newScrubber(set *redact.Set) *scrubber {
	sc := &scrubber{}
	var args []string
	for _, v := range set.Values() {
		forms := append([]string{v}, redact.JSONForms(v)...)
		for _, esc := range []string{url.QueryEscape(v), url.PathEscape(v)} {
			if !slices.Contains(forms, esc) {
				forms = append(forms, esc)
			}
		}
		sc.forms = append(sc.forms, forms...)
	}
	// Longest first: at one position the replacer takes the first match.
	slices.SortStableFunc(sc.forms, func(a, b string) int { return len(b) - len(a) })
	for _, f := range sc.forms {
		sc.maxLen = max(sc.maxLen, len(f))
		args = append(args, f, redact.Marker)
	}
	if len(args) > 0 {
		sc.repl = strings.NewReplacer(args...)
	}
	return sc
}

func (sc *scrubber) text(s string) string {
	if sc.repl != nil {
		s = sc.repl.Replace(s)
	}
	return s
}

// cutPartial drops a tail of b that is a proper prefix of a value's form:
// when a body is cut, a value straddling the cut must not survive in part.
func (sc *scrubber) cutPartial(b []byte) []byte {
	cut := 0
	for _, f := range sc.forms {
		for k := min(len(f)-1, len(b)); k > cut; k-- {
			if bytes.HasSuffix(b, []byte(f[:k])) {
				cut = k
				break
			}
		}
	}
	return b[:len(b)-cut]
}

// readScrubbed reads at most limit bytes of body for the guest, scrubbed.
// It reads up to the longest value form past the limit, so that a value
// that starts before the cut is seen whole and replaced.
func readScrubbed(body io.Reader, limit uint64, sc *scrubber) ([]byte, bool, error) {
	want := int64(limit) + int64(sc.maxLen)
	buf, err := io.ReadAll(io.LimitReader(body, want+1))
	if err != nil {
		return nil, false, err
	}
	truncated := int64(len(buf)) > want
	if truncated {
		buf = sc.cutPartial(buf[:want])
	}
	out := []byte(sc.text(string(buf)))
	if uint64(len(out)) > limit {
		out, truncated = out[:limit], true
	}
	return out, truncated, nil
}

// decoding the egress block of a module's config.

func (d decoder) egress(n *yaml.Node, path string) (*EgressConfig, error) {
	c := &EgressConfig{}
	var allowNode, bodyNode *yaml.Node
	secretLines := map[string]*yaml.Node{}
	err := d.fields(n, path, []string{"allow", "secrets", "body_placeholders", "allow_private", "max_response", "max_request"}, func(key string, v *yaml.Node) error {
		field := path + "." + key
		switch key {
		case "allow":
			allowNode = v
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return d.errf(v, field, "want a non-empty list of origins such as https://api.openai.com, got %s", kindName(v))
			}
			for i, item := range v.Content {
				f := fmt.Sprintf("%s[%d]", field, i)
				s, err := d.str(item, f)
				if err != nil {
					return err
				}
				if _, err := parseOrigin(s); err != nil {
					return d.errf(item, f, "%v", err)
				}
				c.Allow = append(c.Allow, s)
			}
		case "secrets":
			c.Secrets = map[string][]string{}
			return d.fields(v, field, nil, func(name string, hv *yaml.Node) error {
				f := field + "." + name
				if err := checkEgressName(name); err != nil {
					return d.errf(hv, f, "%v", err)
				}
				secretLines[name] = hv
				if hv.Kind != yaml.SequenceNode || len(hv.Content) == 0 {
					return d.errf(hv, f, "want a non-empty list of hosts such as [api.openai.com, \"*.example.com\"], got %s", kindName(hv))
				}
				for i, item := range hv.Content {
					fi := fmt.Sprintf("%s[%d]", f, i)
					s, err := d.str(item, fi)
					if err != nil {
						return err
					}
					if _, err := parseHostPattern(s); err != nil {
						return d.errf(item, fi, "%v", err)
					}
					c.Secrets[name] = append(c.Secrets[name], s)
				}
				return nil
			})
		case "body_placeholders":
			names, err := d.names(v, field)
			if err != nil {
				return err
			}
			c.BodyPlaceholders, bodyNode = names, v
		case "allow_private":
			if v.Kind == yaml.SequenceNode {
				for i, item := range v.Content {
					f := fmt.Sprintf("%s[%d]", field, i)
					s, err := d.str(item, f)
					if err != nil {
						return err
					}
					pfx, err := parsePrefix(s)
					if err != nil {
						return d.errf(item, f, "%v", err)
					}
					c.PrivateNets = append(c.PrivateNets, pfx)
				}
				return nil
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return d.errf(v, field, "want true, false or a list of addresses and prefixes such as [127.0.0.1, 10.0.0.0/8], got %s", kindName(v))
			}
			return d.bool(v, field, &c.AllowPrivate)
		case "max_response", "max_request":
			size, err := d.size(v, field)
			if err != nil {
				return err
			}
			if size == 0 || size > MaxEgressBytes {
				return d.errf(v, field, "want a size from 1 byte to %dMiB", MaxEgressBytes>>20)
			}
			if key == "max_response" {
				c.MaxResponse = size
			} else {
				c.MaxRequest = size
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if allowNode == nil {
		return nil, d.errf(n, path+".allow", "missing: list the origins the module may reach")
	}
	for i, name := range c.BodyPlaceholders {
		if _, ok := c.Secrets[name]; !ok {
			return nil, d.errf(bodyNode.Content[i], fmt.Sprintf("%s.body_placeholders[%d]", path, i), "%q is not in %s.secrets", name, path)
		}
	}
	// A secret bound to a host no allow entry covers could never be sent:
	// say so now rather than at the first request.
	allow := make([]originPattern, 0, len(c.Allow))
	for _, s := range c.Allow {
		o, _ := parseOrigin(s)
		allow = append(allow, o)
	}
	for _, name := range sortedKeys(c.Secrets) {
		for i, s := range c.Secrets[name] {
			hp, _ := parseHostPattern(s)
			if !slices.ContainsFunc(allow, func(o originPattern) bool { return o.host.covers(hp) }) {
				node := secretLines[name]
				if i < len(node.Content) {
					node = node.Content[i]
				}
				return nil, d.errf(node, fmt.Sprintf("%s.secrets.%s[%d]", path, name, i), "%s is covered by no %s.allow entry, so the secret could never be sent", s, path)
			}
		}
	}
	return c, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parsePrefix parses "10.0.0.0/8", "127.0.0.1" or "::1".
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: want an address or a prefix such as 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: want an address or a prefix such as 10.0.0.0/8", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

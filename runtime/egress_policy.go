package runtime

// The compiled egress policy of a module: which origins it may reach,
// which secrets may be substituted for which hosts and where, and the checks
// a request plan passes before any secret lookup or connection.

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

// egressPolicy is a module's compiled egress policy with its own transport:
// connections are pooled per policy, so one module's connection (made under
// its own allow_private) is never reused by another module or profile.
type egressPolicy struct {
	allow       []egress.Origin
	secrets     map[string][]egress.HostPattern
	body        map[string]bool
	addrs       egress.AddrFilter
	maxResponse uint64
	maxRequest  uint64
	names       []string // sorted names of secrets, the lookup grants

	transport *http.Transport
	client    *http.Client
}

// newEgressPolicy compiles c; nil gives nil (no egress).
func newEgressPolicy(c *EgressConfig) (*egressPolicy, error) {
	if c == nil {
		return nil, nil
	}
	p := &egressPolicy{
		secrets: map[string][]egress.HostPattern{}, body: map[string]bool{},
		addrs:       egress.AddrFilter{AllowPrivate: c.AllowPrivate, Nets: append([]netip.Prefix(nil), c.PrivateNets...)},
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
		o, err := egress.ParseOrigin(s)
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
			hp, err := egress.ParseHostPattern(h)
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
	p.transport, p.client = p.newClient()
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

func (p *egressPolicy) hostAllowed(h egress.HostPattern) bool {
	for _, o := range p.allow {
		if o.Covers(h) {
			return true
		}
	}
	return false
}

func (p *egressPolicy) allowed(t egress.Target) bool {
	for _, o := range p.allow {
		if o.Match(t) {
			return true
		}
	}
	return false
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

// addrAllowed reports whether the module may connect to a.
func (p *egressPolicy) addrAllowed(a netip.Addr) bool { return p.addrs.Allows(a) }

// check applies the policy to a plan before any lookup or connection.
func (p *egressPolicy) check(f *egress.Plan) *refusal {
	t := f.Target
	names := f.Names()
	if !p.allowed(t) {
		return &refusal{reason: ReasonHostNotAllowed, host: t.String(), names: names,
			msg: fmt.Sprintf("%s is not in this module's egress allow list", t)}
	}
	if a, err := netip.ParseAddr(t.Host); err == nil && !p.addrAllowed(a) {
		return &refusal{reason: ReasonPrivateAddress, host: t.String(), names: names,
			msg: fmt.Sprintf("%s is a private, local or reserved address this module may not reach (egress.allow_private)", t)}
	}
	for _, r := range f.Refs {
		hosts, ok := p.secrets[r.Name]
		switch {
		case !ok:
			return &refusal{reason: ReasonSecretNotBound, host: t.String(), names: []string{r.Name},
				msg: fmt.Sprintf("secret %q may not be sent anywhere by this module (it is not in egress.secrets)", r.Name)}
		case !slices.ContainsFunc(hosts, func(h egress.HostPattern) bool { return h.Match(t.Host) }):
			return &refusal{reason: ReasonSecretHost, host: t.String(), names: []string{r.Name},
				msg: fmt.Sprintf("secret %q may not be sent to %s (egress.secrets.%s: %s)", r.Name, t.Host, r.Name, joinHosts(hosts))}
		case r.Place == egress.PlaceOther:
			return &refusal{reason: ReasonPlacement, host: t.String(), names: []string{r.Name},
				msg: fmt.Sprintf("secret %q: placeholders are substituted in header values, the query and the body, never in the URL path", r.Name)}
		case r.Place != egress.PlaceHeader && !p.body[r.Name]:
			return &refusal{reason: ReasonPlacement, host: t.String(), names: []string{r.Name},
				msg: fmt.Sprintf("secret %q may be placed only in header values, not in the %s (egress.body_placeholders)", r.Name, r.Place)}
		case t.Scheme != "https" && !egress.LoopbackLiteral(t.Host):
			return &refusal{reason: ReasonInsecureScheme, host: t.String(), names: []string{r.Name},
				msg: fmt.Sprintf("secret %q would travel in cleartext to %s: secrets are sent over https, or over http only to a loopback address", r.Name, t)}
		}
	}
	return nil
}

func joinHosts(hs []egress.HostPattern) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, ", ")
}

package egress

// The matching rules of a module's egress policy: which origins it may
// reach, which addresses it may connect to, which secrets may be
// substituted for which hosts and where, and the check a request plan
// passes before any secret lookup or connection.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Reasons of a refusal, recorded in egress audit records and error
// messages (the runtime package exports them under the same names).
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

// Refusal is an egress policy refusal: its message names names and hosts,
// never values.
type Refusal struct {
	Reason string   // one of the Reason constants
	Host   string   // the destination the refusal concerns
	Names  []string // the secrets involved, for the audit record
	Msg    string
}

// Error returns the message, prefixed "egress refused: ".
func (r *Refusal) Error() string { return "egress refused: " + r.Msg }

// Rules are the compiled matching rules of a module's egress policy.
type Rules struct {
	allow   []Origin
	secrets map[string][]HostPattern
	body    map[string]bool
	addrs   AddrFilter
}

// NewRules compiles the allow list, the secrets' host bindings, the names
// that may also go in the query and body, and the address filter.
// checkName checks each secret name (the caller knows their syntax and
// which are reserved). Errors name the config field (egress.allow, ...).
func NewRules(allow []string, secrets map[string][]string, body []string, addrs AddrFilter, checkName func(string) error) (*Rules, error) {
	r := &Rules{secrets: map[string][]HostPattern{}, body: map[string]bool{},
		addrs: AddrFilter{AllowPrivate: addrs.AllowPrivate, Nets: append([]netip.Prefix(nil), addrs.Nets...)}}
	for _, s := range allow {
		o, err := ParseOrigin(s)
		if err != nil {
			return nil, fmt.Errorf("egress.allow: %w", err)
		}
		r.allow = append(r.allow, o)
	}
	for name, hosts := range secrets {
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("egress.secrets: %w", err)
		}
		for _, h := range hosts {
			hp, err := ParseHostPattern(h)
			if err != nil {
				return nil, fmt.Errorf("egress.secrets.%s: %w", name, err)
			}
			if !r.hostAllowed(hp) {
				return nil, fmt.Errorf("egress.secrets.%s: %s is covered by no egress.allow entry", name, hp)
			}
			r.secrets[name] = append(r.secrets[name], hp)
		}
	}
	for _, name := range body {
		if _, ok := secrets[name]; !ok {
			return nil, fmt.Errorf("egress.body_placeholders: %q is not in egress.secrets", name)
		}
		r.body[name] = true
	}
	return r, nil
}

func (r *Rules) hostAllowed(h HostPattern) bool {
	for _, o := range r.allow {
		if o.Covers(h) {
			return true
		}
	}
	return false
}

// Allowed reports whether t is in the allow list.
func (r *Rules) Allowed(t Target) bool {
	for _, o := range r.allow {
		if o.Match(t) {
			return true
		}
	}
	return false
}

// AddrAllowed reports whether the module may connect to a.
func (r *Rules) AddrAllowed(a netip.Addr) bool { return r.addrs.Allows(a) }

// SecretHosts returns the hosts the secret name may be sent to (nil when
// it may be sent nowhere).
func (r *Rules) SecretHosts(name string) []HostPattern { return r.secrets[name] }

// Check applies the rules to a plan before any lookup or connection.
func (r *Rules) Check(f *Plan) *Refusal {
	t := f.Target
	names := f.Names()
	if !r.Allowed(t) {
		return &Refusal{Reason: ReasonHostNotAllowed, Host: t.String(), Names: names,
			Msg: fmt.Sprintf("%s is not in this module's egress allow list", t)}
	}
	if a, err := netip.ParseAddr(t.Host); err == nil && !r.AddrAllowed(a) {
		return &Refusal{Reason: ReasonPrivateAddress, Host: t.String(), Names: names,
			Msg: fmt.Sprintf("%s is a private, local or reserved address this module may not reach (egress.allow_private)", t)}
	}
	for _, ref := range f.Refs {
		hosts, ok := r.secrets[ref.Name]
		switch {
		case !ok:
			return &Refusal{Reason: ReasonSecretNotBound, Host: t.String(), Names: []string{ref.Name},
				Msg: fmt.Sprintf("secret %q may not be sent anywhere by this module (it is not in egress.secrets)", ref.Name)}
		case !slices.ContainsFunc(hosts, func(h HostPattern) bool { return h.Match(t.Host) }):
			return &Refusal{Reason: ReasonSecretHost, Host: t.String(), Names: []string{ref.Name},
				Msg: fmt.Sprintf("secret %q may not be sent to %s (egress.secrets.%s: %s)", ref.Name, t.Host, ref.Name, joinHosts(hosts))}
		case ref.Place == PlaceOther:
			return &Refusal{Reason: ReasonPlacement, Host: t.String(), Names: []string{ref.Name},
				Msg: fmt.Sprintf("secret %q: placeholders are substituted in header values, the query and the body, never in the URL path", ref.Name)}
		case ref.Place != PlaceHeader && !r.body[ref.Name]:
			return &Refusal{Reason: ReasonPlacement, Host: t.String(), Names: []string{ref.Name},
				Msg: fmt.Sprintf("secret %q may be placed only in header values, not in the %s (egress.body_placeholders)", ref.Name, ref.Place)}
		case t.Scheme != "https" && !LoopbackLiteral(t.Host):
			return &Refusal{Reason: ReasonInsecureScheme, Host: t.String(), Names: []string{ref.Name},
				Msg: fmt.Sprintf("secret %q would travel in cleartext to %s: secrets are sent over https, or over http only to a loopback address", ref.Name, t)}
		}
	}
	return nil
}

func joinHosts(hs []HostPattern) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, ", ")
}

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
//
// This file holds the egress constants and the config type; the rest is
// split by concern: egress_config.go (the YAML block), egress_policy.go (the
// compiled policy), egress_fetch.go (the host call) and egress_audit.go
// (records and refusals). What needs no runtime types is in
// runtime/internal/egress: origins, address ranges, the matching rules, the
// HTTP client with its dial and redirect checks, the request envelope and
// its placeholders, and response scrubbing.

import (
	"net/netip"
)

// Egress defaults and ceilings.
const (
	defaultMaxResponse = 1 << 20
	defaultMaxRequest  = 1 << 20
	// maxEgressBytes is the ceiling of max_response and max_request.
	maxEgressBytes = 64 << 20
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

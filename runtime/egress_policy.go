package runtime

// The compiled egress policy of a module: its matching rules (compiled by
// runtime/internal/egress, secret names checked here), its size limits and
// its own HTTP client.

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

// egressPolicy is a module's compiled egress policy with its own transport:
// connections are pooled per policy, so one module's connection (made under
// its own allow_private) is never reused by another module or profile.
type egressPolicy struct {
	*egress.Rules
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
	p := &egressPolicy{maxResponse: c.MaxResponse, maxRequest: c.MaxRequest}
	if p.maxResponse == 0 {
		p.maxResponse = defaultMaxResponse
	}
	if p.maxRequest == 0 {
		p.maxRequest = defaultMaxRequest
	}
	if p.maxResponse > maxEgressBytes || p.maxRequest > maxEgressBytes {
		return nil, fmt.Errorf("egress: max_response and max_request are at most %d bytes", maxEgressBytes)
	}
	rules, err := egress.NewRules(c.Allow, c.Secrets, c.BodyPlaceholders,
		egress.AddrFilter{AllowPrivate: c.AllowPrivate, Nets: c.PrivateNets}, checkEgressName)
	if err != nil {
		return nil, err
	}
	p.Rules = rules
	for name := range c.Secrets {
		p.names = append(p.names, name)
	}
	sort.Strings(p.names)
	p.transport, p.client = egress.NewClient(rules)
	return p, nil
}

// checkEgressName refuses what is not a secret name, and the relay's own
// credentials, which are never sent.
func checkEgressName(name string) error {
	switch {
	case !abi.ValidSecretName(name):
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

package runtime

// The HTTP client of an egress policy: its own transport (never a proxy,
// connections pooled per policy), the dial-time address check and the
// redirect check that applies the whole policy again to every hop.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

// newClient builds the policy's transport and client: no proxy from the
// environment, TLS 1.2 or later, every dial checked by control and every
// redirect by checkRedirect.
func (p *egressPolicy) newClient() (*http.Transport, *http.Client) {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	transport := &http.Transport{
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
	return transport, &http.Client{Transport: transport, CheckRedirect: p.checkRedirect}
}

// control runs before every connect: it refuses resolved addresses the
// policy does not allow, so DNS cannot point an allowed name at a private
// address.
func (p *egressPolicy) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return &egress.Refusal{Reason: ReasonPrivateAddress, Msg: "only TCP connections are made"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &egress.Refusal{Reason: ReasonPrivateAddress, Msg: fmt.Sprintf("cannot check the address %q", address)}
	}
	if !p.AddrAllowed(ap.Addr()) {
		return &egress.Refusal{Reason: ReasonPrivateAddress, Msg: fmt.Sprintf(
			"the destination resolved to %s, a private, local or reserved address this module may not reach (egress.allow_private)", ap.Addr().Unmap())}
	}
	return nil
}

// fetchState travels in a request's context to CheckRedirect.
type fetchState struct {
	origin  egress.Target
	current egress.Target
	names   []string // substituted secrets; non-empty pins the origin
}

type fetchStateKey struct{}

// checkRedirect applies the whole policy again to every redirect.
func (p *egressPolicy) checkRedirect(req *http.Request, via []*http.Request) error {
	st, _ := req.Context().Value(fetchStateKey{}).(*fetchState)
	if st == nil {
		return errors.New("egress: redirect outside a fetch")
	}
	t, err := egress.TargetOf(req.URL)
	if err != nil {
		return &egress.Refusal{Reason: ReasonHostNotAllowed, Host: st.current.String(), Names: st.names,
			Msg: "redirect to an invalid location: " + err.Error()}
	}
	switch {
	case len(via) > maxRedirects:
		return &egress.Refusal{Reason: ReasonTooManyRedirects, Host: t.String(), Names: st.names,
			Msg: fmt.Sprintf("more than %d redirects", maxRedirects)}
	case !p.Allowed(t):
		return &egress.Refusal{Reason: ReasonHostNotAllowed, Host: t.String(), Names: st.names,
			Msg: fmt.Sprintf("redirect to %s, which is not in this module's egress allow list", t)}
	case len(st.names) > 0 && t != st.origin:
		return &egress.Refusal{Reason: ReasonRedirectOffOrigin, Host: t.String(), Names: st.names,
			Msg: fmt.Sprintf("redirect from %s to %s: a request that carried a secret follows redirects only within its origin", st.origin, t)}
	}
	if a, err := netip.ParseAddr(t.Host); err == nil && !p.AddrAllowed(a) {
		return &egress.Refusal{Reason: ReasonPrivateAddress, Host: t.String(), Names: st.names,
			Msg: fmt.Sprintf("redirect to %s, a private, local or reserved address this module may not reach", t)}
	}
	st.current = t
	return nil
}

package egress

// The HTTP client of an egress policy: its own transport (never a proxy,
// connections pooled per policy), the dial-time address check and the
// redirect check that applies the whole policy again to every hop.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Bounds of the client.
const (
	// maxRedirects bounds the redirects one fetch follows.
	maxRedirects = 5
	// maxResponseHeaderBytes bounds the response headers.
	maxResponseHeaderBytes = 64 << 10
)

// NewClient builds the transport and client of a policy with rules r: no
// proxy from the environment, TLS 1.2 or later, every dial checked by
// control and every redirect by checkRedirect. Connections are pooled in
// the transport, so each policy needs its own.
func NewClient(r *Rules) (*http.Transport, *http.Client) {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: r.control}
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
	return transport, &http.Client{Transport: transport, CheckRedirect: r.checkRedirect}
}

// control runs before every connect: it refuses resolved addresses the
// policy does not allow, so DNS cannot point an allowed name at a private
// address.
func (r *Rules) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return &Refusal{Reason: ReasonPrivateAddress, Msg: "only TCP connections are made"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &Refusal{Reason: ReasonPrivateAddress, Msg: fmt.Sprintf("cannot check the address %q", address)}
	}
	if !r.AddrAllowed(ap.Addr()) {
		return &Refusal{Reason: ReasonPrivateAddress, Msg: fmt.Sprintf(
			"the destination resolved to %s, a private, local or reserved address this module may not reach (egress.allow_private)", ap.Addr().Unmap())}
	}
	return nil
}

// Fetch is the state of one request, which its context carries to the
// redirect check (see WithFetch).
type Fetch struct {
	Origin  Target   // where the request was first sent
	Current Target   // where it is now, after the redirects followed
	Names   []string // substituted secrets; non-empty pins the origin
}

type fetchKey struct{}

// WithFetch returns ctx carrying st: a client from NewClient refuses every
// redirect of a request whose context carries none.
func WithFetch(ctx context.Context, st *Fetch) context.Context {
	return context.WithValue(ctx, fetchKey{}, st)
}

// checkRedirect applies the whole policy again to every redirect.
func (r *Rules) checkRedirect(req *http.Request, via []*http.Request) error {
	st, _ := req.Context().Value(fetchKey{}).(*Fetch)
	if st == nil {
		return errors.New("egress: redirect outside a fetch")
	}
	t, err := TargetOf(req.URL)
	if err != nil {
		return &Refusal{Reason: ReasonHostNotAllowed, Host: st.Current.String(), Names: st.Names,
			Msg: "redirect to an invalid location: " + err.Error()}
	}
	switch {
	case len(via) > maxRedirects:
		return &Refusal{Reason: ReasonTooManyRedirects, Host: t.String(), Names: st.Names,
			Msg: fmt.Sprintf("more than %d redirects", maxRedirects)}
	case !r.Allowed(t):
		return &Refusal{Reason: ReasonHostNotAllowed, Host: t.String(), Names: st.Names,
			Msg: fmt.Sprintf("redirect to %s, which is not in this module's egress allow list", t)}
	case len(st.Names) > 0 && t != st.Origin:
		return &Refusal{Reason: ReasonRedirectOffOrigin, Host: t.String(), Names: st.Names,
			Msg: fmt.Sprintf("redirect from %s to %s: a request that carried a secret follows redirects only within its origin", st.Origin, t)}
	}
	if a, err := netip.ParseAddr(t.Host); err == nil && !r.AddrAllowed(a) {
		return &Refusal{Reason: ReasonPrivateAddress, Host: t.String(), Names: st.Names,
			Msg: fmt.Sprintf("redirect to %s, a private, local or reserved address this module may not reach", t)}
	}
	st.Current = t
	return nil
}

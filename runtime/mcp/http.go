package mcp

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// httpClient returns the client of an HTTP server: the entry's headers are
// added to requests for the entry URL's origin only (never to another
// origin a redirect leads to).
func httpClient(cfg ServerConfig, base http.RoundTripper, dir string) (*http.Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("url: not a valid URL")
	}
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	if base, err = tlsTransport(cfg.TLS, base, dir); err != nil {
		return nil, err
	}
	return &http.Client{Transport: &headerTransport{base: base, origin: origin(u), headers: cfg.Headers}}, nil
}

// headerTransport injects an entry's resolved headers into the requests to
// its origin.
type headerTransport struct {
	base    http.RoundTripper
	origin  string
	headers map[string]string
}

// RoundTrip implements http.RoundTripper.
func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(h.headers) == 0 || origin(req.URL) != h.origin {
		return h.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// origin is scheme://host:port with the default port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

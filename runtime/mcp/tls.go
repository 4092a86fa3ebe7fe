package mcp

// TLS settings of an HTTP server entry: hermes' ssl_verify and
// client_cert, honoured for http and sse transports.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// TLSConfig is an HTTP server's TLS settings from its entry.
type TLSConfig struct {
	// Insecure is ssl_verify: false: the server's certificate is not
	// verified. Loudly warned about (see EntryWarnings).
	Insecure bool
	// CABundle is ssl_verify: PATH: a PEM file of the certificate
	// authorities to trust instead of the system's.
	CABundle string
	// CertFile and KeyFile are client_cert: a PEM certificate and its key
	// (KeyFile empty: the key is in CertFile).
	CertFile, KeyFile string
}

func (t TLSConfig) set() bool {
	return t.Insecure || t.CABundle != "" || t.CertFile != ""
}

// decodeSSLVerify reads ssl_verify: a boolean (or true/false/yes/no/0/1
// text), or the path of a CA bundle.
func decodeSSLVerify(v *Value, t *TLSConfig) error {
	if v.Kind == value.Null {
		return nil
	}
	if b, err := boolish(v); err == nil {
		t.Insecure = !b
		return nil
	}
	if v.Kind != value.String || strings.TrimSpace(v.Str) == "" {
		return fmt.Errorf("want true, false or the path of a CA bundle (PEM), got %s", v.Kind)
	}
	t.CABundle = strings.TrimSpace(v.Str)
	return nil
}

// decodeClientCert reads client_cert: a path (a PEM file holding the
// certificate and its key), a [cert, key] list, or {cert: ..., key: ...}.
func decodeClientCert(v *Value, t *TLSConfig) error {
	switch v.Kind {
	case value.Null:
		return nil
	case value.String:
		t.CertFile = strings.TrimSpace(v.Str)
	case value.Array:
		if len(v.Items) != 2 || v.Items[0].Kind != value.String || v.Items[1].Kind != value.String {
			return fmt.Errorf("want a path, [cert, key] or {cert: PATH, key: PATH}")
		}
		t.CertFile, t.KeyFile = strings.TrimSpace(v.Items[0].Str), strings.TrimSpace(v.Items[1].Str)
	case value.Object:
		for i, k := range v.Keys {
			it := v.Items[i]
			if it.Kind != value.String {
				return &fieldError{sub: k, msg: "want a path, got " + it.Kind.String()}
			}
			switch k {
			case "cert", "certfile", "cert_file":
				t.CertFile = strings.TrimSpace(it.Str)
			case "key", "keyfile", "key_file":
				t.KeyFile = strings.TrimSpace(it.Str)
			default:
				return &fieldError{sub: k, msg: "unknown key (want cert and key)"}
			}
		}
	default:
		return fmt.Errorf("want a path, [cert, key] or {cert: PATH, key: PATH}, got %s", v.Kind)
	}
	if t.CertFile == "" {
		return fmt.Errorf("no certificate path")
	}
	return nil
}

// tlsTransport returns base with the entry's TLS settings applied; paths
// are relative to dir (the profile directory). base must be an
// *http.Transport when any setting is present.
func tlsTransport(t TLSConfig, base http.RoundTripper, dir string) (http.RoundTripper, error) {
	if !t.set() {
		return base, nil
	}
	ht, ok := base.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("ssl_verify/client_cert: the HTTP transport in use cannot take TLS settings")
	}
	ht = ht.Clone()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ht.TLSClientConfig != nil {
		cfg = ht.TLSClientConfig.Clone()
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	cfg.InsecureSkipVerify = t.Insecure //nolint:gosec // ssl_verify: false, warned about at load, in mcp resolve and the audit
	if t.CABundle != "" {
		pem, err := os.ReadFile(abs(t.CABundle))
		if err != nil {
			return nil, fmt.Errorf("ssl_verify: reading the CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_verify: %s holds no PEM certificate", t.CABundle)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		key := t.KeyFile
		if key == "" {
			key = t.CertFile
		}
		cert, err := tls.LoadX509KeyPair(abs(t.CertFile), abs(key))
		if err != nil {
			return nil, fmt.Errorf("client_cert: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	ht.TLSClientConfig = cfg
	return ht, nil
}

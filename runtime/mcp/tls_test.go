package mcp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// tlsMCPServer serves a one-tool MCP server over HTTPS with a certificate
// no system trusts; requireClient asks for a client certificate.
func tlsMCPServer(t *testing.T, requireClient bool) *httptest.Server {
	t.Helper()
	s := sdk.NewServer(&sdk.Implementation{Name: "tls-test", Version: "1"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "ping", Description: "pong"}, func(context.Context, *sdk.CallToolRequest, struct{}) (*sdk.CallToolResult, struct{}, error) {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "pong"}}}, struct{}{}, nil
	})
	srv := httptest.NewUnstartedServer(sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s }, nil))
	if requireClient {
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientCert writes a self-signed client certificate and its key.
func clientCert(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wasmgw-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "client.pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, "client.key"), "EC PRIVATE KEY", kder)
}

// TestSSLVerifyAndClientCert: an HTTPS server with a private CA is refused
// by default, reached with ssl_verify: PATH (a CA bundle relative to the
// profile directory) or ssl_verify: false; a server that demands a client
// certificate is reached only with client_cert.
func TestSSLVerifyAndClientCert(t *testing.T) {
	t.Parallel()
	srv := tlsMCPServer(t, false)
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", srv.Certificate().Raw)
	base := mcp.ServerConfig{Name: "tls", Transport: mcp.TransportHTTP, URL: srv.URL, Timeout: 10 * time.Second, ConnectTimeout: 10 * time.Second, Enabled: true}
	try := func(tc mcp.TLSConfig) error {
		cfg := base
		cfg.TLS = tc
		c, err := mcp.Connect(context.Background(), cfg, mcp.Options{Dir: dir})
		if err == nil {
			defer c.Close()
			if _, err = c.Call(context.Background(), "ping", nil); err != nil {
				t.Errorf("ping: %v", err)
			}
		}
		return err
	}
	if err := try(mcp.TLSConfig{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("default verification: err = %v, want a certificate error", err)
	}
	if err := try(mcp.TLSConfig{CABundle: "ca.pem"}); err != nil {
		t.Errorf("ssl_verify: ca.pem: %v", err)
	}
	if err := try(mcp.TLSConfig{Insecure: true}); err != nil {
		t.Errorf("ssl_verify: false: %v", err)
	}
	if err := try(mcp.TLSConfig{CABundle: "missing.pem"}); err == nil || !strings.Contains(err.Error(), "ssl_verify") {
		t.Errorf("a missing bundle: err = %v", err)
	}

	mtls := tlsMCPServer(t, true)
	base.URL = mtls.URL
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", mtls.Certificate().Raw)
	clientCert(t, dir)
	if err := try(mcp.TLSConfig{CABundle: "ca.pem"}); err == nil {
		t.Error("connected without the client certificate the server demands")
	}
	if err := try(mcp.TLSConfig{CABundle: "ca.pem", CertFile: "client.pem", KeyFile: "client.key"}); err != nil {
		t.Errorf("client_cert: %v", err)
	}
}

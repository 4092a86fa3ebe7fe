package token_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay/internal/token"
)

// tokenVectors are the spec's cross-language vectors (docs/relay.md).
var tokenVectors = []struct {
	id, secret string
	exp        int64
	token      string
}{
	{"gw-alpha", "s3cret-rotation-key-1", 1767225600, "Z3ctYWxwaGE6MTc2NzIyNTYwMDo4Yzg5OTVhNDI0ZTZjODMwMDlmYzZjYmE5MGE2YWI1MWRiZGNjNTkwMmE4MzhhNjFhYjhmNDI3MWU5MjhhZjI3"},
	{"gw-alpha", "s3cret-rotation-key-1", 0, "Z3ctYWxwaGE6MDo4YjE3NjVlMWRjY2Q5NTY0ZTdkOTk4YTIxNWI3ODhkNjFjMWIxNTYwNzFhOTFkOGRjMWQ4MTg5NzExOTFiMjQ2"},
	{"tenant/ü-gw", "wh1te space secret", 4102444800, "dGVuYW50L8O8LWd3OjQxMDI0NDQ4MDA6OGJhOTk2MGFjNjQxNDVmOTY1N2Y5OTZiMmFlNmE0OTRmNWNkMzFiMDRjMzI0M2E4YTdjNWIxNDdmNWEyOTNiNQ"},
	{"gw:with:colons", "secret", 0, "Z3c6d2l0aDpjb2xvbnM6MDpjODFhMWI1ZDc4ZjNlODY2ODBjNzQzN2JmODc4NTZjNmExYWEwNjczMTI1ZWRkNzRhNDI2MzlhYTFmN2NlMDZl"},
}

func TestMintTokenVectors(t *testing.T) {
	for _, v := range tokenVectors {
		if got := token.Mint(v.id, v.secret, v.exp); got != v.token {
			t.Errorf("Mint(%q, exp %d) = %s, want %s", v.id, v.exp, got, v.token)
		}
		// Verified at a time before any expiry, the id comes back whole
		// (colons included: the verifier splits from the right).
		id, err := token.Verify(v.token, []string{"other", v.secret}, time.Unix(1700000000, 0))
		if err != nil || id != v.id {
			t.Errorf("Verify(vector %q) = %q, %v", v.id, id, err)
		}
	}
}

func TestVerifyToken(t *testing.T) {
	now := time.Unix(1767225600, 0)
	valid := token.Mint("gw:1", "new", now.Unix()+300)
	cases := []struct {
		name    string
		token   string
		secrets []string
		want    error
	}{
		{"rotation: old then new", valid, []string{"old", "new"}, nil},
		{"rotation: new then old", valid, []string{"new", "old"}, nil},
		{"whitespace secrets ignored", valid, []string{" ", "", "new"}, nil},
		{"wrong secret", valid, []string{"old"}, token.ErrSignature},
		{"no secrets", valid, nil, token.ErrSignature},
		{"expired", token.Mint("gw", "new", now.Unix()-1), []string{"new"}, token.ErrExpired},
		{"expiring this second", token.Mint("gw", "new", now.Unix()), []string{"new"}, nil},
		{"no expiry", token.Mint("gw", "new", 0), []string{"new"}, nil},
		{"expired with a wrong secret is a signature error", token.Mint("gw", "new", 1), []string{"x"}, token.ErrSignature},
		{"not base64", "!!!", []string{"new"}, token.ErrMalformed},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte("gw:0:" + strings.Repeat("a", 63))), []string{"new"}, token.ErrMalformed},
		{"empty", "", []string{"new"}, token.ErrMalformed},
		{"no colon", base64.RawURLEncoding.EncodeToString([]byte("abc")), []string{"new"}, token.ErrMalformed},
		{"short sig", base64.RawURLEncoding.EncodeToString([]byte("gw:0:abcd")), []string{"new"}, token.ErrMalformed},
		{"upper-case sig", upperSig(valid), []string{"new"}, token.ErrMalformed},
		{"exp with sign", base64.RawURLEncoding.EncodeToString([]byte("gw:+5:" + strings.Repeat("a", 64))), []string{"new"}, token.ErrMalformed},
		{"exp with leading zero", base64.RawURLEncoding.EncodeToString([]byte("gw:05:" + strings.Repeat("a", 64))), []string{"new"}, token.ErrMalformed},
	}
	for _, c := range cases {
		_, err := token.Verify(c.token, c.secrets, now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// Tampering with any part breaks the signature.
	raw, _ := base64.RawURLEncoding.DecodeString(valid)
	for _, tampered := range []string{
		strings.Replace(string(raw), "gw:1", "gw:2", 1),
		strings.Replace(string(raw), ":"+itoa(now.Unix()+300)+":", ":"+itoa(now.Unix()+301)+":", 1),
	} {
		if _, err := token.Verify(base64.RawURLEncoding.EncodeToString([]byte(tampered)), []string{"new"}, now); !errors.Is(err, token.ErrSignature) {
			t.Errorf("tampered %q: %v", tampered, err)
		}
	}
	// The errors carry neither the token nor a secret.
	_, err := token.Verify(valid, []string{"supersecret"}, now)
	if strings.Contains(err.Error(), valid) || strings.Contains(err.Error(), "supersecret") {
		t.Fatalf("error leaks: %v", err)
	}
}

func upperSig(tok string) string {
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	s := string(raw)
	i := strings.LastIndexByte(s, ':')
	return base64.RawURLEncoding.EncodeToString([]byte(s[:i+1] + strings.ToUpper(s[i+1:])))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func FuzzVerifyToken(f *testing.F) {
	for _, v := range tokenVectors {
		f.Add(v.token, v.secret, v.id, v.exp)
	}
	f.Add("", "", "", int64(0))
	f.Add("Zm9vOjE6YmFy", "k", "a:b", int64(-1))
	f.Fuzz(func(t *testing.T, raw, secret, id string, exp int64) {
		now := time.Unix(1767225600, 0)
		// Arbitrary input: never panics, and a success names an id.
		if got, err := token.Verify(raw, []string{secret}, now); err == nil && !strings.Contains(mustDecode(raw), got) {
			t.Fatalf("verified id %q not in the token", got)
		}
		// A minted token verifies back to its id unless expired.
		if exp < 0 || strings.TrimSpace(secret) == "" {
			return
		}
		tok := token.Mint(id, secret, exp)
		got, err := token.Verify(tok, []string{secret}, now)
		switch {
		case exp != 0 && exp < now.Unix():
			if !errors.Is(err, token.ErrExpired) {
				t.Fatalf("expired token: %v", err)
			}
		case err != nil || got != id:
			t.Fatalf("round trip: %q, %v; want %q", got, err, id)
		}
	})
}

func mustDecode(tok string) string {
	b, _ := base64.RawURLEncoding.DecodeString(tok)
	return string(b)
}

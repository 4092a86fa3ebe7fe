// Package token mints and verifies the relay upgrade token, the bearer a
// gateway presents when it dials the connector: byte-compatible with the
// connector's makeToken (docs/relay.md, "Dial and upgrade token").
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// DefaultTTL is how long an upgrade token minted for a dial stays
// valid: the connector's default, 300 seconds.
const DefaultTTL = 300 * time.Second

// Errors of [Verify]. None of them carries the token or a secret.
var (
	// ErrMalformed: not base64url, or not "<id>:<exp>:<64 hex>".
	ErrMalformed = errors.New("relay token: malformed")
	// ErrSignature: no secret of the list produced the signature.
	ErrSignature = errors.New("relay token: bad signature")
	// ErrExpired: the signature is valid but exp is in the past.
	ErrExpired = errors.New("relay token: expired")
)

// Mint returns the upgrade bearer token for gatewayID signed with
// secret, valid until the unix time exp (0: no expiry):
//
//	signed = gatewayID + ":" + exp
//	token  = base64url-nopad(signed + ":" + hex(HMAC-SHA256(secret, signed)))
//
// It is byte-compatible with the connector's makeToken.
func Mint(gatewayID, secret string, exp int64) string {
	signed := gatewayID + ":" + strconv.FormatInt(exp, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(signed + ":" + sign(signed, secret)))
}

// sign is the lowercase hex HMAC-SHA256 of msg keyed with secret (both
// UTF-8, as Go strings are passed through as bytes).
func sign(msg, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks token against every usable secret of the rotation
// list and returns the gateway id it was minted for. The payload is split
// from the right, so a gateway id may contain ':'. exp 0 never expires; any
// other exp before now's unix second is [ErrExpired] (reported only
// for a valid signature, so "expired" never leaks whether a forged token
// would have matched). Whitespace-only secrets are never used.
func Verify(token string, secrets []string, now time.Time) (gatewayID string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) == 0 {
		return "", ErrMalformed
	}
	payload := string(raw)
	i := strings.LastIndexByte(payload, ':')
	if i < 0 {
		return "", ErrMalformed
	}
	signed, sig := payload[:i], payload[i+1:]
	j := strings.LastIndexByte(signed, ':')
	if j < 0 || !isLowerHex(sig, sha256.Size*2) {
		return "", ErrMalformed
	}
	id, expText := signed[:j], signed[j+1:]
	exp, ok := parseExp(expText)
	if !ok {
		return "", ErrMalformed
	}
	matched := false
	for _, s := range secrets {
		if !usableSecret(s) {
			continue
		}
		if hmac.Equal([]byte(sign(signed, s)), []byte(sig)) {
			matched = true
			break
		}
	}
	if !matched {
		return "", ErrSignature
	}
	if exp != 0 && now.Unix() > exp {
		return "", ErrExpired
	}
	return id, nil
}

// parseExp accepts a canonical non-negative decimal int64 (no sign, no
// leading zeros except "0" itself).
func parseExp(s string) (int64, bool) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// usableSecret reports whether s has at least one non-whitespace
// character: a whitespace-only value is what an unset key looks like.
func usableSecret(s string) bool { return strings.TrimSpace(s) != "" }

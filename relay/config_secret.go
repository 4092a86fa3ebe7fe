package relay

// This file holds Secret, the credential type that never prints its value.

import (
	"fmt"
	"log/slog"
	"strings"
)

// Secret is a credential: the per-gateway secret, the delivery key or the
// identity token. It prints, logs and marshals as "[redacted]" (or "" when
// empty); [Secret.Reveal] is the only way to its value.
type Secret string

const redacted = "[redacted]"

// Reveal returns the value. Call it only where the value is used (signing,
// an Authorization header, the .env writer), never to print.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer: "[redacted]", or "" for no secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("relay.Secret(%q)", s.String()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML, ...).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Usable reports whether the secret has a non-whitespace character.
func (s Secret) Usable() bool { return strings.TrimSpace(string(s)) != "" }

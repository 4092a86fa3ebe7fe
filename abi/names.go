package abi

// ValidSecretName reports whether name is a valid secret (variable) name:
// [A-Za-z_][A-Za-z0-9_.-]*, at most MaxNameLen bytes. It is the one rule
// for secret names: the .env parser, secret_get, http_fetch placeholders,
// MCP references and the audit all use it (guest/interp has a faster
// equivalent for guests, fuzzed against this one).
func ValidSecretName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

package egress

// Address filtering: which resolved or literal addresses a module may
// connect to. Public unicast addresses always; private, loopback and
// link-local ones only under allow_private; never unspecified, multicast or
// broadcast.

import (
	"fmt"
	"net/netip"
	"strings"
)

// AddrFilter decides which addresses a module may connect to: every public
// unicast address; private, loopback and link-local ones when AllowPrivate,
// or those in Nets; never unspecified, multicast or broadcast ones.
type AddrFilter struct {
	AllowPrivate bool
	Nets         []netip.Prefix
}

// Allows reports whether the module may connect to a.
func (f AddrFilter) Allows(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return false // never a destination, whatever the policy says
	case PublicAddr(a):
		return true
	case f.AllowPrivate:
		return true
	}
	for _, n := range f.Nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// nonPublic lists the special-purpose ranges netip has no predicate for
// (RFC 6890 and successors): none of them is a public destination.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"::/96", "100::/64", "2001::/23", "2001:db8::/32", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// PublicAddr reports whether a is a globally routable unicast address.
// Addresses that embed an IPv4 address (NAT64, 6to4) are judged by it.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, n := range nonPublic {
		if n.Contains(a) {
			return false
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case netip.MustParsePrefix("64:ff9b:1::/48").Contains(a):
			return false
		case netip.MustParsePrefix("2002::/16").Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return true
}

// LoopbackLiteral reports whether host is a loopback IP literal (a name
// such as "localhost" is not trusted to stay one).
func LoopbackLiteral(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// ParsePrefix parses "10.0.0.0/8", "127.0.0.1" or "::1".
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: want an address or a prefix such as 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q: want an address or a prefix such as 10.0.0.0/8", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// Package shard splits the profiles of one home between several gateways
// that share one connector: gateway i of n ("--shard i/n", 0-based, the
// ordinals of a Kubernetes StatefulSet) serves exactly the profiles whose
// owner is i, so that every profile is served by exactly one gateway.
//
// The owner of a profile is the jump consistent hash (Lamping and Veach,
// "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014) of the 64-bit
// FNV-1a hash of its normalised name (the bytes of the name, lower case),
// over n buckets. It depends on nothing but the name and n: every gateway,
// and the connector, computes the same owner without talking to anyone.
// Growing from n to n+1 gateways moves only the profiles whose new owner
// is the new gateway n, about 1/(n+1) of them; no profile moves between
// the gateways that stay. Shrinking from n+1 to n moves exactly the
// profiles of gateway n, spread over the others.
//
// A connector routes a profile's messages to the connection whose hello
// announced the owning shard (the hello's "shard" field: index, count and
// Algorithm); see docs/operations.md, "Scaling out".
package shard

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Algorithm names the owner function in the hello: jump consistent hash
// over the FNV-1a 64 hash of the profile name.
const Algorithm = "jump-fnv1a64"

// MaxCount bounds the number of shards.
const MaxCount = 4096

// Shard is gateway Index of Count. The zero value (and any Count ≤ 1) is
// the whole home: it owns every profile.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Whole reports whether s owns every profile (no sharding).
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "i/n", or "all" for the whole home.
func (s Shard) String() string {
	if s.Whole() {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Owns reports whether profile belongs to s.
func (s Shard) Owns(profile string) bool {
	return s.Whole() || Of(profile, s.Count) == s.Index
}

// Filter returns the names s owns, in their order.
func (s Shard) Filter(names []string) []string {
	if s.Whole() {
		return names
	}
	out := make([]string, 0, len(names)/s.Count+1)
	for _, n := range names {
		if s.Owns(n) {
			out = append(out, n)
		}
	}
	return out
}

// Of returns the shard (0 ≤ i < n) that owns profile among n; 0 when
// n ≤ 1.
func Of(profile string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(profile)))
	return Jump(h.Sum64(), n)
}

// Jump is the jump consistent hash of key over n buckets (n ≥ 1).
func Jump(key uint64, n int) int {
	var b, j int64 = -1, 0
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// ErrSyntax is wrapped by every error of Parse.
var ErrSyntax = errors.New("want I/N: this gateway's 0-based index I and the number of gateways N, 0 <= I < N")

// Parse reads a --shard value: "I/N" with 0 ≤ I < N ≤ MaxCount, or
// "hostname/N", which takes I from the trailing "-<ordinal>" of hostname
// (the pod name of a StatefulSet replica, e.g. "wasmgw-2"). An empty value
// is the whole home.
func Parse(value, hostname string) (Shard, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: %w", value, ErrSyntax)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > MaxCount {
		return Shard{}, fmt.Errorf("shard %q: N must be a whole number from 1 to %d: %w", value, MaxCount, ErrSyntax)
	}
	if is == "hostname" {
		i, err := Ordinal(hostname)
		if err != nil {
			return Shard{}, fmt.Errorf("shard %q: %w", value, err)
		}
		is = strconv.Itoa(i)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n || strings.HasPrefix(is, "+") {
		return Shard{}, fmt.Errorf("shard %q: I must be a whole number from 0 to %d: %w", value, n-1, ErrSyntax)
	}
	return Shard{Index: i, Count: n}, nil
}

// Ordinal returns the ordinal at the end of a StatefulSet pod's hostname
// ("wasmgw-2" → 2; a fully qualified name is cut at its first dot).
func Ordinal(hostname string) (int, error) {
	h, _, _ := strings.Cut(strings.TrimSpace(hostname), ".")
	k := strings.LastIndexByte(h, '-')
	if k < 0 || k == len(h)-1 {
		return 0, fmt.Errorf("hostname %q does not end in -<ordinal> (as a StatefulSet pod's does)", hostname)
	}
	i, err := strconv.Atoi(h[k+1:])
	if err != nil || i < 0 || strings.HasPrefix(h[k+1:], "+") {
		return 0, fmt.Errorf("hostname %q does not end in -<ordinal> (as a StatefulSet pod's does)", hostname)
	}
	return i, nil
}

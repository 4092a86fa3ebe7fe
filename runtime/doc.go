// Package runtime is the wasmgw host: it runs each profile's WebAssembly
// modules under wazero, bound to that profile's secrets and limits.
//
// The embedding path is four steps (see the package example):
//
//   - [OpenHome] opens a home directory; [Home.Profile] loads one profile
//     (its config.yaml, its .env of secrets, its modules). [NewGlobals]
//     names the host variables every profile may read (none by default):
//     the engine never reads the process environment itself, the caller
//     passes a snapshot.
//   - [NewEngine] creates the one engine of a process. It compiles each
//     module once per content hash and shares the code between profiles,
//     while any of them uses it: a module nothing holds any more is
//     released (see [Engine.Compile]).
//     [Options.Audit] is required: every secret read and egress decision
//     is recorded there ([OpenJSONLAudit] writes the file the CLI writes,
//     home/logs/audit.jsonl); [DiscardAudit] is the explicit opt-out.
//   - [Engine.Open] returns a [Tenant]: one profile's tools, instances,
//     pool and MCP servers. A tenant's guests reach secrets only through
//     the host function bound to its profile, fail closed.
//   - [Tenant.CallTool] calls a tool with JSON input; [Tenant.Handle] runs
//     the profile's message handler on an inbound message; [Tenant.Tools]
//     lists what the tenant offers. Every call is bounded by the module's
//     limits (time, memory, output) and by the caller's context.
//
// [OpenFleet] opens many profiles at once for a gateway. Close tenants and
// the engine when done.
//
// Guest modules are written with package guest and built with GOOS=wasip1
// GOARCH=wasm -buildmode=c-shared (docs/abi.md); the built-in ones are in
// package builtin and named "builtin:NAME" in a profile's config.
//
// On Linux each guest's linear memory is reserved once at its limit and
// grows without copying; other platforms build and run with the
// degradations listed in docs/platforms.md.
package runtime

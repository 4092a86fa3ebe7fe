// Package egress holds the parts of the http_fetch egress policy that need
// none of the runtime's types: the origins of the allow list and of a
// request (origin.go), the address ranges a module may connect to
// (addr.go), the compiled matching rules and their refusals (policy.go),
// the HTTP client with its dial and redirect checks (client.go), the
// request envelope (request.go) with its secret placeholders
// (placeholder.go), and response scrubbing (scrub.go). The runtime package
// compiles a module's policy with them and keeps the host-call glue:
// secret names and lookups, audit records and limits.
package egress

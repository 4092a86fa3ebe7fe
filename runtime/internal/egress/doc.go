// Package egress holds the parts of the http_fetch egress policy that need
// none of the runtime's types: the origins of the allow list and of a
// request (origin.go) and the address ranges a module may connect to
// (addr.go). The runtime package compiles a module's policy from them and
// keeps the host-call glue: secrets, audit records, the HTTP client and
// response scrubbing.
package egress

package inspect

import (
	"errors"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// confinement fills in how a stdio server is confined on this machine's
// kernel, with the finding it calls for: high for a server that runs
// unconfined (trust: host) or that this kernel cannot confine (it will not
// start); the report's Confinement names what confines every other one.
func confinement(s *MCPServerReport, entry *yaml.Node, profile string, findings []Finding) []Finding {
	add := func(id string, sev Severity, msg string) {
		findings = append(findings, Finding{ID: id, Severity: sev, Profile: profile, Subject: "mcp_servers." + s.Name, Message: msg})
	}
	v, err := value.FromYAML(entry)
	if err != nil {
		return findings // the entry itself is refused; the load reports it
	}
	sb, err := mcp.SandboxOf(s.Name, v)
	if err != nil {
		msg := err.Error()
		var ce *mcp.ConfigError
		if errors.As(err, &ce) {
			msg = ce.Field + ": " + ce.Msg
		}
		s.Confinement = "invalid: " + msg
		add("mcp.confinement-invalid", SeverityHigh, msg+" (the server will not start)")
		return findings
	}
	desc, confined, startable := mcp.DescribeConfinement(sb)
	s.Confinement, s.Confined = desc, confined
	if !s.Enabled {
		return findings
	}
	switch {
	case sb.TrustHost:
		add("mcp.unconfined", SeverityHigh, "runs unconfined (trust: host), as the gateway's user: it can read every profile's .env, the home's .env and the gateway's environment, and signal the gateway; remove trust: host to confine it")
	case !startable:
		add("mcp.cannot-confine", SeverityHigh, desc+"; upgrade the kernel (Linux 6.12+, Landlock enabled) or, knowing it can then read every profile's secrets, set trust: host")
	}
	return findings
}

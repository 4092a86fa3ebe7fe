package main

// extraCommands lists the commands beyond run and version; each lives in its
// own file.
func extraCommands() []command {
	return []command{
		{"mcp", "inspect a profile's MCP servers: resolve (secrets masked), tools", mcpCommand},
		{"gateway", "serve every profile of a home over the relay; 'gateway enroll' stores credentials", gatewayCommand},
		{"audit", "security review: inventory, findings, hostile suite; 'audit log' summarises the audit trail", auditCommand},
	}
}

package runtime

import "path/filepath"

// profileHome is the wasmgw home a profile directory belongs to
// (HOME/profiles/NAME), or "" when dir is not laid out so.
func profileHome(dir string) string {
	parent := filepath.Dir(filepath.Clean(dir))
	if filepath.Base(parent) != "profiles" {
		return ""
	}
	return filepath.Dir(parent)
}

// mcpScratchDir holds a profile's confined stdio servers' private writable
// directories, PROFILE/scratch/mcp/SERVER.
func mcpScratchDir(profileDir string) string {
	return filepath.Join(profileDir, "scratch", "mcp")
}

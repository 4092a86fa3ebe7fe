package inspect

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/inspect/internal/refscan"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

// leaf is one scalar of a server entry, by field path.
type leaf struct {
	path  string
	value string
	key   string // the mapping key it sits under ("" in a list)
}

// maxLeaves bounds the walk of one entry (aliases can multiply a document).
const maxLeaves = 10000

// leaves returns the scalars of n by field path ("env.TOKEN", "args[2]"),
// following aliases, in document order; keys are never scanned.
func leaves(n *yaml.Node, path, key string, depth int, out *[]leaf) {
	if n == nil || depth > 64 || len(*out) >= maxLeaves {
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		leaves(n.Alias, path, key, depth+1, out)
	case yaml.ScalarNode:
		*out = append(*out, leaf{path: path, value: n.Value, key: key})
	case yaml.SequenceNode:
		for i, c := range n.Content {
			leaves(c, path+"["+strconv.Itoa(i)+"]", "", depth+1, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if path != "" {
				p = path + "." + k
			}
			leaves(n.Content[i+1], p, k, depth+1, out)
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			leaves(c, path, key, depth+1, out)
		}
	}
}

// mcpEnv is what the inventory needs to resolve a stdio command the way
// the runtime does for the child (runtime/mcp: the host baseline, then the
// server's env over it).
type mcpEnv struct {
	profileDir string
	environ    []string
	defined    func(name string) bool
}

// credentialWords mark a key whose literal value is probably a credential.
var credentialWords = []string{"token", "key", "secret", "password", "passwd", "auth", "credential", "bearer", "cookie"}

func looksLikeCredential(key string) bool {
	k := strings.ToLower(key)
	for _, w := range credentialWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// trustedDirs are the system directories a stdio command may live in
// without a finding; the profile's own directory is trusted too.
var trustedDirs = []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/lib", "/usr/libexec", "/usr/local/lib", "/usr/share", "/snap/bin"}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// inspectMCP reads a profile's raw mcp_servers block: for each server, its
// transport, command or URL origin, and the names its strings reference.
// It resolves nothing and reads no value.
func inspectMCP(node *yaml.Node, profile string, env mcpEnv) ([]MCPServerReport, []Finding) {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil, nil
	}
	var servers []MCPServerReport
	var findings []Finding
	add := func(id string, sev Severity, server, msg string) {
		findings = append(findings, Finding{ID: id, Severity: sev, Profile: profile, Subject: "mcp_servers." + server, Message: msg})
	}
	parsed := map[string]*mcp.Value{}
	if entries, err := mcp.ParseServers(node); err == nil {
		for _, e := range entries {
			parsed[e.Name] = e.Value
		}
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		name, entry := node.Content[i].Value, node.Content[i+1]
		for entry != nil && entry.Kind == yaml.AliasNode {
			entry = entry.Alias
		}
		s := MCPServerReport{Name: name, Enabled: true, Transport: "unknown"}
		if v, err := value.FromYAML(entry); err == nil {
			if err := mcp.CheckReferences(name, v); err != nil {
				add("mcp.ref-in-host-position", SeverityMedium, name, fmt.Sprintf("%v: the host refuses this server at load (fail-closed), so it is not served", err))
			}
		}
		var all []leaf
		leaves(entry, "", "", 0, &all)
		fields := map[string]string{}
		argvRefs := false
		for _, l := range all {
			if !strings.Contains(l.path, ".") && !strings.Contains(l.path, "[") {
				fields[l.path] = l.value
			}
			for _, r := range refscan.Scan(l.value) {
				if r.Name == "" {
					s.Unsupported = append(s.Unsupported, l.path)
					add("mcp.unsupported-ref", SeverityLow, name, fmt.Sprintf("%s holds a reference form wasmgw does not resolve (only ${NAME} and ${env:NAME}); it is kept literally", l.path))
					continue
				}
				def := env.defined(r.Name)
				s.SecretRefs = append(s.SecretRefs, SecretRef{Path: l.path, Name: r.Name, Defined: def})
				if !def {
					add("mcp.unset-ref", SeverityLow, name, fmt.Sprintf("%s references %s, which the profile does not define: the reference is kept literally", l.path, r.Name))
				}
				if l.path == "command" || strings.HasPrefix(l.path, "args") {
					argvRefs = true
				}
			}
			top := strings.SplitN(l.path, ".", 2)[0]
			if (top == "env" || top == "headers") && l.key != "" && looksLikeCredential(l.key) && !strings.Contains(l.value, "${") && strings.TrimSpace(l.value) != "" {
				add("mcp.literal-credential", SeverityMedium, name, fmt.Sprintf("%s is written in config.yaml as a literal; keep credentials in .env and reference them as ${NAME}", l.path))
			}
		}
		// Keys wasmgw does not honour: never ignored silently.
		for _, w := range mcp.EntryWarnings(name, parsed[name]) {
			s.NotHonoured = append(s.NotHonoured, w.Key+": "+w.Msg)
			switch {
			case w.Key == "ssl_verify" && strings.HasPrefix(w.Msg, "false"):
				add("mcp.tls-unverified", SeverityHigh, name, w.Key+": "+w.Msg)
			case w.Security:
				add("mcp.key-not-honoured", SeverityMedium, name, w.Key+": "+w.Msg)
			default:
				add("mcp.key-not-honoured", SeverityLow, name, w.Key+": "+w.Msg)
			}
		}
		if argvRefs {
			add("mcp.secret-in-argv", SeverityMedium, name, "a secret is referenced in command or args: once resolved it is visible to every local user in the process table; pass it through env instead")
		}
		if v, ok := fields["enabled"]; ok {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "false", "0", "no", "off":
				s.Enabled = false
			}
		}
		command, hasCommand := fields["command"]
		rawURL, hasURL := fields["url"]
		switch {
		case hasCommand && !hasURL:
			s.Transport = "stdio"
		case hasURL && !hasCommand:
			s.Transport = "http"
			if strings.EqualFold(strings.TrimSpace(fields["transport"]), "sse") {
				s.Transport = "sse"
			}
		}
		if hasCommand {
			command = strings.TrimSpace(command)
			if strings.Contains(command, "${") {
				s.Command = "(interpolated)"
			} else {
				s.Command = command
			}
		}
		if s.Transport == "stdio" && s.Enabled && !strings.Contains(command, "${") {
			cwd := fields["cwd"]
			resolved, err := resolveStdio(command, cwd, entry, env)
			switch {
			case err != nil:
				add("mcp.command-unresolved", SeverityLow, name, fmt.Sprintf("command %q: %v (the server will not start)", command, err))
			default:
				s.ResolvedCommand = resolved
				real, rerr := filepath.EvalSymlinks(resolved)
				if rerr != nil {
					real = resolved
				}
				trusted := within(real, env.profileDir)
				for _, d := range trustedDirs {
					trusted = trusted || within(real, d)
				}
				if !trusted {
					add("mcp.command-outside", SeverityMedium, name, fmt.Sprintf("command %q resolves to %s, outside the profile directory and the system directories: whoever can write there runs with this server's secrets", command, real))
				}
				if w := writableByOthers(real); w != "" {
					add("mcp.command-writable", SeverityHigh, name, fmt.Sprintf("command %s: %s, so another user can replace what runs with this server's secrets", real, w))
				}
			}
		}
		if s.Transport == "stdio" {
			findings = confinement(&s, entry, profile, findings)
		}
		if hasURL {
			s.URLOrigin, findings = urlOrigin(rawURL, s, profile, findings)
		}
		servers = append(servers, s)
	}
	return servers, findings
}

// urlOrigin returns scheme://host[:port] of an MCP server's url, with the
// findings it calls for: user information in the URL, cleartext HTTP to a
// host that is not loopback.
func urlOrigin(raw string, s MCPServerReport, profile string, findings []Finding) (string, []Finding) {
	add := func(id string, sev Severity, msg string) {
		findings = append(findings, Finding{ID: id, Severity: sev, Profile: profile, Subject: "mcp_servers." + s.Name, Message: msg})
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		if strings.Contains(raw, "${") {
			return "(interpolated)", findings
		}
		return "(invalid)", findings
	}
	if u.User != nil {
		add("mcp.literal-credential", SeverityMedium, "url carries user information: keep credentials in .env and send them in a header")
	}
	origin := u.Scheme + "://" + u.Host
	if strings.Contains(u.Host, "${") {
		return "(interpolated)", findings
	}
	if u.Scheme == "http" && s.Enabled {
		host := u.Hostname()
		if host != "localhost" && !strings.HasPrefix(host, "127.") && host != "::1" {
			sev := SeverityLow
			for _, r := range s.SecretRefs {
				if strings.HasPrefix(r.Path, "headers") || r.Path == "url" {
					sev = SeverityMedium
				}
			}
			add("mcp.cleartext-url", sev, fmt.Sprintf("url %s is plain HTTP to a host that is not loopback: anything the server is sent travels in clear", origin))
		}
	}
	return origin, findings
}

// resolveStdio finds a stdio server's executable as runtime/mcp does for
// the child: "~/" is the child's HOME; a name without a slash is searched
// in the child's PATH (absolute entries only); a relative path is relative
// to cwd, itself relative to the profile directory. The child's PATH and
// HOME are the server's env when it sets them literally, else the host's.
func resolveStdio(command, cwd string, entry *yaml.Node, env mcpEnv) (string, error) {
	childEnv := map[string]string{}
	for _, kv := range env.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && (k == "PATH" || k == "HOME") {
			childEnv[k] = v
		}
	}
	var all []leaf
	leaves(entry, "", "", 0, &all)
	for _, l := range all {
		if l.path == "env.PATH" || l.path == "env.HOME" {
			if strings.Contains(l.value, "${") {
				return "", fmt.Errorf("the server's %s is interpolated: cannot resolve it statically", l.path)
			}
			childEnv[strings.TrimPrefix(l.path, "env.")] = l.value
		}
	}
	dir := env.profileDir
	if cwd != "" {
		if strings.Contains(cwd, "${") {
			return "", fmt.Errorf("cwd is interpolated: cannot resolve it statically")
		}
		if filepath.IsAbs(cwd) {
			dir = cwd
		} else {
			dir = filepath.Join(env.profileDir, cwd)
		}
	}
	if rest, ok := strings.CutPrefix(command, "~/"); ok {
		if childEnv["HOME"] == "" {
			return "", fmt.Errorf("starts with ~/ but the server has no HOME")
		}
		command = filepath.Join(childEnv["HOME"], rest)
	}
	if strings.ContainsRune(command, '/') {
		if !filepath.IsAbs(command) {
			command = filepath.Join(dir, command)
		}
		return command, executable(command)
	}
	for _, d := range filepath.SplitList(childEnv["PATH"]) {
		if !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, command)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("not found in the server's PATH")
}

func executable(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("%s: not found", path)
	case st.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case st.Mode()&0o111 == 0:
		return fmt.Errorf("%s is not executable", path)
	}
	return nil
}

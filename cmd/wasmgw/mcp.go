package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

const mcpUsage = `Usage: wasmgw mcp SUBCOMMAND [flags]

Inspect a profile's MCP servers (the mcp_servers block of its config.yaml,
in the hermes-agent format).

Subcommands:
  resolve   resolve every server entry in the profile's interpolation module
            and print it with each secret masked, listing unresolved
            references by field path
  tools     connect to the profile's enabled servers and list their tools

Run "wasmgw mcp SUBCOMMAND --help" for its flags; docs/mcp.md has the rest.
`

func mcpCommand(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, mcpUsage)
		return &exitError{2}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(a.stdout, mcpUsage)
		return nil
	case "resolve":
		return mcpResolveCommand(ctx, a, args[1:])
	case "tools":
		return mcpToolsCommand(ctx, a, args[1:])
	}
	fmt.Fprintf(a.stderr, "wasmgw mcp: unknown subcommand %q\n\n%s", args[0], mcpUsage)
	return &exitError{2}
}

type mcpFlags struct {
	common
	profile  string
	server   string
	format   string
	strict   bool
	auditLog string
}

func mcpResolveCommand(ctx context.Context, a *app, args []string) error {
	var f mcpFlags
	fs := newFlagSet("mcp resolve", "--profile NAME|PATH [--server NAME] [--strict] [--format yaml|json] [flags]",
		`Resolve a profile's MCP server entries exactly as a connection would:
each entry runs through the profile's interpolation module (by default
builtin:interpolate), which replaces ${NAME} and ${env:NAME} in string
values from the profile's .env through the host (every read is granted or
denied by the module's grants and audited), then the result is validated.

Prints each entry as the host will start or dial it: rebuilt from the
config (the module supplies only the values of references; args as the
list of arguments passed), with every reference that was resolved shown
as ***NAME (for example ***MY_MCP_TOKEN): no secret value is ever printed.
References in command, cwd or a URL's scheme, host or port are refused.
Values of the profile's .env written literally in the config are shown as
[REDACTED:NAME]. References left unresolved (a missing or empty variable,
or an unsupported form such as ${NAME:-x}) are kept as written, as the
reference implementation does, and listed on stderr by field path. Keys
wasmgw does not act on (auth, lifecycle, sampling, an unknown trust value,
ssl_verify: false, ...) are warned about on stderr and listed under
not_honoured in the JSON. Nothing is started or connected; disabled servers
are resolved too.

Exit status: 0; 1 when an entry cannot be resolved or is invalid, or, with
--strict, when any reference is left unresolved; 2 for a usage error.

Examples:
  wasmgw mcp resolve --home testdata/home --profile alice
  wasmgw mcp resolve --profile alice --server github --strict --format json`)
	f.common.register(fs, "warn")
	fs.StringVarP(&f.profile, "profile", "p", "", "profile name (under <home>/profiles) or path to a profile directory (required)")
	fs.StringVar(&f.server, "server", "", "resolve only this server (default: every server of the profile)")
	fs.BoolVar(&f.strict, "strict", false, "fail (exit status 1) when any reference is left unresolved, naming its field path")
	fs.StringVar(&f.format, "format", "yaml", "output format: yaml or json")
	fs.StringVar(&f.auditLog, "audit-log", "", "append audit records of the secret reads to this JSON-lines file (default <home>/logs/audit.jsonl; \"off\" disables it)")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	if err := f.check(a, "mcp resolve"); err != nil {
		return err
	}
	s, names, err := f.open(ctx, a)
	if err != nil {
		fmt.Fprintln(a.stderr, "wasmgw mcp resolve:", oneLine(err))
		return &exitError{1}
	}
	defer s.close(ctx)

	var resolved []string
	var masked []*mcp.Value
	var unresolved []unresolvedRef
	var warnings []mcp.KeyWarning
	failed := false
	for _, name := range names {
		srv, err := s.tenant.ResolveMCP(ctx, name)
		if err != nil {
			fmt.Fprintln(a.stderr, "wasmgw mcp resolve:", oneLine(err))
			failed = true
			continue
		}
		resolved = append(resolved, name)
		masked = append(masked, srv.Masked)
		for _, r := range srv.Unresolved() {
			unresolved = append(unresolved, unresolvedRef{Server: name, Reference: r})
		}
		warnings = append(warnings, srv.Warnings...)
	}
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	level := "warning"
	if f.strict {
		level = "error"
	}
	for _, u := range unresolved {
		fmt.Fprintf(a.stderr, "%s: mcp server %q: %s: %s\n", level, u.Server, u.Path, u.explain())
	}
	switch f.format {
	case "json":
		var out bytes.Buffer
		if err := json.Indent(&out, resolveJSON(s.tenant.Profile().Name, resolved, masked, unresolved, warnings), "", "  "); err != nil {
			return err
		}
		out.WriteByte('\n')
		_, _ = a.stdout.Write(out.Bytes())
	default:
		root := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{resolveYAML(resolved, masked)},
			HeadComment: fmt.Sprintf("wasmgw mcp resolve: profile %q\nResolved references are shown as ***NAME; no secret value is printed.", s.tenant.Profile().Name)}
		if err := writeYAML(a.stdout, root); err != nil {
			return err
		}
	}
	switch {
	case failed:
		return &exitError{1}
	case f.strict && len(unresolved) > 0:
		fmt.Fprintf(a.stderr, "wasmgw mcp resolve: %d reference(s) left unresolved (--strict)\n", len(unresolved))
		return &exitError{1}
	}
	return nil
}

func writeYAML(w io.Writer, n *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}

type unresolvedRef struct {
	Server string
	abi.Reference
}

func (u unresolvedRef) explain() string {
	if mcp.IsContextVariable(u.Name) {
		return u.Literal + " is a hermes context variable: a gateway has no workspace or editor to take it from; kept as written"
	}
	if u.Outcome == abi.RefUnsupported {
		return u.Literal + " is not a supported form (only ${NAME} and ${env:NAME}); kept as written"
	}
	return u.Literal + " is not set in the profile (or not granted to its interpolation module, or empty); kept as written"
}

// resolveJSON is the document mcp resolve --format json prints (before
// indenting): the profile, its servers masked in config order, the
// unresolved references and the keys not honoured, keys in that order.
func resolveJSON(profile string, names []string, masked []*mcp.Value, unresolved []unresolvedRef, warnings []mcp.KeyWarning) []byte {
	b := []byte(`{"profile":`)
	b = abi.AppendString(b, profile)
	b = append(b, `,"mcp_servers":{`...)
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = abi.AppendString(b, name)
		b = append(b, ':')
		b = masked[i].AppendJSON(b)
	}
	b = append(b, `},"unresolved":[`...)
	for i, u := range unresolved {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(append(b, '{'), "server", u.Server)
		b = appendField(append(b, ','), "path", u.Path)
		b = appendField(append(b, ','), "name", u.Name)
		b = appendField(append(b, ','), "outcome", u.Outcome)
		b = append(appendField(append(b, ','), "literal", u.Literal), '}')
	}
	b = append(b, `],"not_honoured":[`...)
	for i, w := range warnings {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(append(b, '{'), "server", w.Server)
		b = appendField(append(b, ','), "key", w.Key)
		b = strconv.AppendBool(append(b, `,"security":`...), w.Security)
		b = append(appendField(append(b, ','), "message", w.Msg), '}')
	}
	return append(b, "]}"...)
}

// appendField appends "key":"val" (both JSON strings) to b.
func appendField(b []byte, key, val string) []byte {
	return abi.AppendString(append(abi.AppendString(b, key), ':'), val)
}

// resolveYAML is the mapping mcp resolve prints as YAML: mcp_servers, the
// profile's servers masked in config order.
func resolveYAML(names []string, masked []*mcp.Value) *yaml.Node {
	key := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	servers := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i, name := range names {
		servers.Content = append(servers.Content, key(name), masked[i].YAML())
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{key("mcp_servers"), servers}}
}

func mcpToolsCommand(ctx context.Context, a *app, args []string) error {
	var f mcpFlags
	fs := newFlagSet("mcp tools", "--profile NAME|PATH [--server NAME] [--format text|json] [flags]",
		`Connect to a profile's enabled MCP servers (or the one named by --server;
a disabled one is reported) and list their tools, as the profile offers
them next to its wasm tools: mcp.SERVER.TOOL, after the entry's
tools.include and tools.exclude (fnmatch globs: *, ?, [seq], [!seq]); a
filter entry that matches none of the server's tools is warned about.

Each entry is resolved by the profile's interpolation module first (see
"wasmgw mcp resolve --help"). A stdio server is started with an environment
that is built, never inherited: PATH HOME USER LANG LC_ALL TERM SHELL TMPDIR
and XDG_* from this process's environment, then the entry's env; its stderr
goes to <profile>/logs/mcp-stderr.log, with the profile's values redacted.
Every server is closed (children ended and reaped) before the command exits.

Exit status: 0; 1 when a server cannot be resolved or connected (each is
named on stderr); 2 for a usage error.

Examples:
  wasmgw mcp tools --profile alice
  wasmgw mcp tools --profile alice --server github --format json`)
	f.common.register(fs, "warn")
	fs.StringVarP(&f.profile, "profile", "p", "", "profile name (under <home>/profiles) or path to a profile directory (required)")
	fs.StringVar(&f.server, "server", "", "connect only this server (default: every enabled server of the profile)")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	fs.StringVar(&f.auditLog, "audit-log", "", "append audit records of the secret reads to this JSON-lines file (default <home>/logs/audit.jsonl; \"off\" disables it)")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	if err := f.check(a, "mcp tools"); err != nil {
		return err
	}
	s, names, err := f.open(ctx, a)
	if err != nil {
		fmt.Fprintln(a.stderr, "wasmgw mcp tools:", oneLine(err))
		return &exitError{1}
	}
	defer s.close(ctx)
	var only []string
	if f.server != "" {
		only = names
	}
	connectErr := s.tenant.ConnectMCP(ctx, only...)
	if connectErr != nil {
		for _, line := range strings.Split(connectErr.Error(), "\n") {
			fmt.Fprintln(a.stderr, "wasmgw mcp tools:", line)
		}
	}
	for _, w := range s.tenant.MCPFilterWarnings() {
		fmt.Fprintln(a.stderr, "warning:", w)
	}
	var tools []runtime.Tool
	for _, t := range s.tenant.Tools() {
		server, ok := strings.CutPrefix(t.Module, runtime.MCPModulePrefix)
		if ok && (f.server == "" || server == f.server) {
			tools = append(tools, t)
		}
	}
	if f.format == "json" {
		if tools == nil {
			tools = []runtime.Tool{}
		}
		out, err := json.MarshalIndent(tools, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, string(out))
	} else {
		fmt.Fprintf(a.stdout, "MCP tools of profile %q:\n", s.tenant.Profile().Name)
		if len(tools) == 0 {
			fmt.Fprintln(a.stdout, "  (none)")
		}
		for _, t := range tools {
			desc, _, _ := strings.Cut(t.Description, "\n")
			fmt.Fprintf(a.stdout, "  %-28s %s  [server %s]\n", t.Name, desc, strings.TrimPrefix(t.Module, runtime.MCPModulePrefix))
		}
	}
	if connectErr != nil {
		return &exitError{1}
	}
	return nil
}

// check validates the flags every mcp subcommand shares.
func (f *mcpFlags) check(a *app, cmd string) error {
	if f.profile == "" {
		fmt.Fprintf(a.stderr, "wasmgw %s: --profile is required (a name under <home>/profiles, or a path)\n", cmd)
		return &exitError{2}
	}
	want := map[string][]string{"mcp resolve": {"yaml", "json"}, "mcp tools": {"text", "json"}}[cmd]
	if f.format != want[0] && f.format != want[1] {
		fmt.Fprintf(a.stderr, "wasmgw %s: --format %q: want %s or %s\n", cmd, f.format, want[0], want[1])
		return &exitError{2}
	}
	return nil
}

// open loads the profile (as "wasmgw run" does) and returns the servers to
// work on: --server, or every server of the profile.
func (f *mcpFlags) open(ctx context.Context, a *app) (*session, []string, error) {
	s, err := openSession(ctx, a, &f.common, f.profile, f.auditLog, false)
	if err != nil {
		return nil, nil, err
	}
	names, err := s.tenant.MCPServerNames()
	if err != nil {
		s.close(ctx)
		return nil, nil, err
	}
	if len(names) == 0 {
		s.close(ctx)
		return nil, nil, fmt.Errorf("profile %q has no mcp_servers in its config.yaml", s.tenant.Profile().Name)
	}
	if f.server != "" {
		found := false
		for _, n := range names {
			found = found || n == f.server
		}
		if !found {
			s.close(ctx)
			return nil, nil, fmt.Errorf("profile %q: no mcp server %q (servers: %s)", s.tenant.Profile().Name, f.server, strings.Join(names, ", "))
		}
		names = []string{f.server}
	}
	return s, names, nil
}

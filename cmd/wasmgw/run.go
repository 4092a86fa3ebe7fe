package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

type runFlags struct {
	common
	profile  string
	tool     string
	input    string
	auditLog string
	relay    bool
	ops      opsFlags // with --relay
}

func runCommand(ctx context.Context, a *app, args []string) error {
	var f runFlags
	fs := newFlagSet("run", "--profile NAME|PATH [--relay | --tool NAME --input JSON] [flags]",
		`Try one profile locally. Without --tool, an interactive session on stdin:
list the profile's tools, call them with JSON input, and see the audit of
every secret the session's modules asked for. With --tool, one call: the
JSON result on stdout, exit status 1 and the reason on stderr on failure.

With --relay, the profile is served by the real gateway against a connector
embedded in this process on a loopback port (authenticated with a random
secret), and this terminal is the chat: each line is an inbound message,
answered by the profile's handler module in its sandbox (/help, /tools,
/call NAME {json}, anything else echoed or, when the profile configures
one, answered by its model) and printed as "PROFILE: reply".
/stop interrupts the running message; /quit or the end of input waits for
the replies still due, then the gateway drains as on SIGTERM (as does
Ctrl-C), giving a message still running at most 3 s. The gateway's log lines go to stderr at --log-level.
SIGHUP (or --watch) reloads the profile as it reloads "wasmgw gateway"; the
--watch and --metrics-* flags apply with --relay only.

Secrets come only from the profile's .env through its modules' grants, never
from this shell's environment.

Examples:
  wasmgw run --home testdata/home --profile alice
  wasmgw run --home testdata/home --profile alice --relay
  wasmgw run --home testdata/home --profile alice --tool whoami --input '{}'
  echo '{"text":"a b a"}' | wasmgw run --profile alice --tool text_stats --input -`)
	f.register(fs, "warn")
	fs.StringVarP(&f.profile, "profile", "p", "", "profile name (under <home>/profiles) or path to a profile directory (required)")
	fs.StringVar(&f.tool, "tool", "", "call this tool once and exit")
	fs.StringVar(&f.input, "input", "{}", "JSON input for --tool; - reads it from stdin, @FILE from a file")
	fs.StringVar(&f.auditLog, "audit-log", "", "append audit records to this JSON-lines file (default <home>/logs/audit.jsonl; \"off\" disables it; not with --relay, which audits to the default)")
	fs.BoolVar(&f.relay, "relay", false, "chat with the profile through the real gateway and an embedded loopback connector")
	f.ops.register(fs)
	if err := parse(fs, a, args); err != nil {
		return err
	}
	if f.profile == "" {
		fmt.Fprintln(a.stderr, "wasmgw run: --profile is required (a name under <home>/profiles, or a path)")
		return &exitError{2}
	}
	if !f.relay && (f.ops.watch || f.ops.metricsAddr != "" || fs.Changed("pool-memory")) {
		fmt.Fprintln(a.stderr, "wasmgw run: --watch, --metrics-addr and --pool-memory go with --relay only")
		return &exitError{2}
	}
	if f.relay {
		if f.tool != "" || f.auditLog != "" {
			fmt.Fprintln(a.stderr, "wasmgw run: --relay does not go with --tool or --audit-log")
			return &exitError{2}
		}
		return runRelay(ctx, a, &f)
	}
	s, err := openSession(ctx, a, &f.common, f.profile, f.auditLog, f.tool == "")
	if err != nil {
		return err
	}
	defer s.close(ctx)
	if f.tool != "" {
		input, err := readInput(a, f.input)
		if err != nil {
			return err
		}
		return s.callOnce(ctx, f.tool, input)
	}
	return s.interactive(ctx)
}

// session is one profile loaded for a trial.
type session struct {
	a      *app
	engine *runtime.Engine
	tenant *runtime.Tenant
	memory *runtime.MemoryAudit
	file   *runtime.JSONLAudit
}

func openSession(ctx context.Context, a *app, c *common, profile, auditLog string, chatty bool) (*session, error) {
	log, err := c.logger(a)
	if err != nil {
		return nil, err
	}
	home, err := c.openHomeFor(a, profile)
	if err != nil {
		return nil, err
	}
	p, err := home.Profile(profile)
	if err != nil {
		return nil, err
	}
	s := &session{a: a, memory: &runtime.MemoryAudit{}}
	sinks := runtime.TeeAudit{s.memory}
	if auditLog != "off" {
		if auditLog == "" {
			auditLog = filepath.Join(home.Dir(), "logs", "audit.jsonl")
		}
		if s.file, err = runtime.OpenJSONLAudit(auditLog); err != nil {
			return nil, err
		}
		sinks = append(sinks, s.file)
	}
	start := time.Now()
	if chatty {
		fmt.Fprintf(a.stdout, "Loading profile %q from %s ...\n", p.Name, p.Dir)
	}
	maxModule, err := c.maxModuleSize()
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	s.engine, err = runtime.NewEngine(ctx, runtime.Options{CacheDir: c.cache(a), Logger: log, Audit: sinks, MaxModuleSize: maxModule, Environ: a.environ})
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	if s.tenant, err = s.engine.Open(ctx, p); err != nil {
		s.close(ctx)
		return nil, err
	}
	// MCP servers get an environment built from this process's baseline
	// names only; they start lazily, on the first call of one of their
	// tools, except in the interactive trial, which connects them up front
	// so that their tools are listed.
	s.tenant.SetMCPOptions(runtime.MCPOptions{Environ: a.environ})
	if chatty {
		if names, err := s.tenant.MCPServerNames(); err == nil && len(names) > 0 {
			if err := s.tenant.ConnectMCP(ctx); err != nil {
				fmt.Fprintf(a.stdout, "warning: %s\n", oneLine(err))
			}
		}
		fmt.Fprintf(a.stdout, "Loaded %d tools in %s.\n", len(s.tenant.Tools()), time.Since(start).Round(time.Millisecond))
	}
	return s, nil
}

func (s *session) close(ctx context.Context) {
	if s.tenant != nil {
		s.tenant.Close(ctx)
	}
	if s.engine != nil {
		_ = s.engine.Close(ctx)
	}
	if s.file != nil {
		if err := s.file.Close(); err != nil {
			fmt.Fprintln(s.a.stderr, "wasmgw:", err)
		}
	}
}

// maxInput bounds one call's input, however it is given (--input TEXT,
// --input @FILE, --input -, a line of the interactive trial).
const maxInput = 64 << 20

func readInput(a *app, in string) ([]byte, error) {
	var r io.Reader
	switch {
	case in == "-":
		r = a.stdin
	case strings.HasPrefix(in, "@"):
		f, err := os.Open(in[1:])
		if err != nil {
			return nil, fmt.Errorf("--input: %w", err)
		}
		defer f.Close()
		r = f
	default:
		if len(in) > maxInput {
			return nil, fmt.Errorf("--input: %d bytes is over the %d-byte (64 MiB) limit of one call's input", len(in), maxInput)
		}
		return []byte(in), nil
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("--input %s: %w", in, err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("--input %s: the input is over the %d-byte (64 MiB) limit of one call's input; nothing was called", in, maxInput)
	}
	return b, nil
}

func (s *session) callOnce(ctx context.Context, tool string, input []byte) error {
	out, err := s.tenant.CallTool(ctx, tool, input)
	if err != nil {
		fmt.Fprintln(s.a.stderr, "wasmgw run:", oneLine(err))
		return &exitError{1}
	}
	fmt.Fprintln(s.a.stdout, string(out))
	return nil
}

const replHelp = `Commands (the same words as the chat of "run --relay"; the leading / is optional):
  /tools                list the profile's tools
  /call TOOL [JSON]     call a tool (JSON defaults to {}); "TOOL [JSON]" works too
  /audit                the secret lookups of this session
  /help                 this text
  /quit                 leave (or end of input)
`

func (s *session) interactive(ctx context.Context) error {
	w := s.a.stdout
	s.printTools()
	fmt.Fprint(w, "\n"+replHelp)
	lr := newLineReader(s.a.stdin, maxInput)
	name := s.tenant.Profile().Name
	var readErr error
	for {
		fmt.Fprintf(w, "%s> ", name)
		text, tooLong, err := lr.Next()
		if err != nil {
			fmt.Fprintln(w)
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		if tooLong > 0 {
			fmt.Fprintf(s.a.stderr, "wasmgw run: line refused: it is %d bytes, over the %d-byte input limit\n", tooLong, maxInput)
			continue
		}
		line := strings.TrimSpace(text)
		cmd, rest, _ := strings.Cut(line, " ")
		// "/tools", "/call whoami {}": the chat's vocabulary works here too.
		switch strings.TrimPrefix(cmd, "/") {
		case "":
		case "quit", "exit":
			return nil
		case "help", "?":
			fmt.Fprint(w, replHelp)
		case "tools":
			s.printTools()
		case "audit":
			s.printAudit()
		case "call":
			tool, input, _ := strings.Cut(strings.TrimSpace(rest), " ")
			s.replCall(ctx, tool, input)
		default:
			s.replCall(ctx, strings.TrimPrefix(cmd, "/"), rest)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return readErr
}

func (s *session) replCall(ctx context.Context, tool, input string) {
	input = strings.TrimSpace(input)
	if input == "" {
		input = "{}"
	}
	start := time.Now()
	out, err := s.tenant.CallTool(ctx, tool, []byte(input))
	took := time.Since(start).Round(time.Microsecond)
	if err != nil {
		if errors.Is(err, runtime.ErrUnknownTool) {
			fmt.Fprintf(s.a.stdout, "error: no tool %q (try: tools)\n", tool)
			return
		}
		fmt.Fprintf(s.a.stdout, "error (%s): %s\n", took, oneLine(err))
		return
	}
	var pretty strings.Builder
	if err := indentJSON(&pretty, out); err != nil {
		pretty.Reset()
		pretty.Write(out)
	}
	fmt.Fprintf(s.a.stdout, "%s\n(%s)\n", pretty.String(), took)
}

func indentJSON(w *strings.Builder, b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out, err := json.MarshalIndent(v, "", "  ")
	w.Write(out)
	return err
}

func (s *session) printTools() {
	tools := s.tenant.Tools()
	fmt.Fprintf(s.a.stdout, "Tools of profile %q:\n", s.tenant.Profile().Name)
	if len(tools) == 0 {
		fmt.Fprintln(s.a.stdout, "  (none: the profile's config.yaml names no modules)")
	}
	for _, t := range tools {
		fmt.Fprintf(s.a.stdout, "  %-14s %s  [module %s]\n", t.Name, t.Description, t.Module)
	}
}

func (s *session) printAudit() {
	recs := s.memory.Records()
	if len(recs) == 0 {
		fmt.Fprintln(s.a.stdout, "No secret lookups yet.")
		return
	}
	fmt.Fprintf(s.a.stdout, "%-12s %-10s %-20s %s\n", "TIME", "MODULE", "NAME", "OUTCOME")
	for _, r := range recs {
		fmt.Fprintf(s.a.stdout, "%-12s %-10s %-20s %s\n", r.Time.Local().Format("15:04:05.000"), r.Module, r.Name, r.Outcome)
	}
}

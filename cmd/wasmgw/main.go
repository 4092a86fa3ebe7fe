// Command wasmgw is the sandboxed executor for multi-tenant agent gateways.
//
//	wasmgw run --profile NAME       try one profile: its tools, a call, its audit
//	wasmgw run --profile NAME --relay  chat with it through the real gateway path
//	wasmgw gateway                  serve every profile of a home over the relay
//	wasmgw mcp resolve|tools        inspect a profile's MCP servers
//	wasmgw audit                    a security review report of a home
//	wasmgw version                  print the version
//
// Run "wasmgw help COMMAND" for the flags of each command.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"sort"
	"strings"
	"syscall"

	wasmversion "github.com/wasmgw/wasmgw/runtime/version"
)

// version, when set at build time with -ldflags "-X main.version=v1.2.3",
// replaces the module version of the build info (the VCS revision is still
// the one the toolchain stamped); see buildInfo.
var version = "dev"

// buildInfo is what this binary says about itself: wasmgw version,
// --version, audit reports and the relay hello.
func buildInfo() wasmversion.Info { return wasmversion.Get(version) }

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// app is what every command gets: its streams and environment, injected so
// that nothing reads the process's globals behind the caller's back.
type app struct {
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	getenv  func(string) string
	environ []string
	// hup receives SIGHUP: "gateway" and "run --relay" reload the home on
	// it; nil (never fires) in tests that inject none.
	hup <-chan os.Signal
}

// exitError carries an exit status with an already-printed message.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commands() []command {
	cmds := []command{
		{"run", "try one profile: list its tools, call them, see the session's audit; --relay chats through the gateway", runCommand},
		{"version", "print the version", versionCommand},
		{"bench", "measure this machine: idle and active profiles, instances per GiB, relay throughput", benchCommand},
	}
	cmds = append(cmds, extraCommands()...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// SIGHUP reloads a serving command's home; it never stops the process
	// (by default it would, with status 129).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ(), hup: hup}
	err := a.main(ctx, os.Args[1:])
	stop()
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "wasmgw:", err)
		os.Exit(1)
	}
}

func (a *app) main(ctx context.Context, args []string) error {
	if len(args) == 0 {
		a.usage(a.stderr)
		return &exitError{2}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "--help", "help":
		if len(rest) > 0 {
			return a.main(ctx, []string{rest[0], "--help"})
		}
		a.usage(a.stdout)
		return nil
	case "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, a, rest)
		}
	}
	fmt.Fprintf(a.stderr, "wasmgw: unknown command %q\n\n", name)
	a.usage(a.stderr)
	return &exitError{2}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `wasmgw runs each tenant's agent logic as WebAssembly in a sandbox whose only
way to a secret is a host function bound to that tenant's profile.

Usage: wasmgw COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "wasmgw COMMAND --help" for a command's flags.
Quick start (from a checkout): wasmgw run --home testdata/home --profile alice --relay
`)
}

func versionCommand(_ context.Context, a *app, args []string) error {
	fs := newFlagSet("version", "[--json]", `Print the version of wasmgw: the module version and the VCS revision the
Go toolchain stamped into the binary ("go build" in a git checkout does by
default), whether the tree had uncommitted changes ("modified"), the commit
time, the Go version, and the guest ABI version modules are built against.
A build outside a git checkout says "revision unknown"; a build from a
working tree without a release tag has a pseudo-version or "(devel)".
"wasmgw --version" is the same.`)
	asJSON := fs.Bool("json", false, "print a JSON object instead (version, revision, time, modified, go_version, abi_version)")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	info := buildInfo()
	if *asJSON {
		out := struct {
			wasmversion.Info
			ABI int `json:"abi_version"`
		}{info, abiVersion()}
		enc := json.NewEncoder(a.stdout)
		return enc.Encode(out)
	}
	fmt.Fprintf(a.stdout, "wasmgw %s\n", info.Version)
	switch {
	case info.Revision == "":
		fmt.Fprintln(a.stdout, "revision unknown (built outside a git checkout, or with -buildvcs=false)")
	default:
		detail := []string{}
		if info.Time != "" {
			detail = append(detail, info.Time)
		}
		if info.Modified {
			detail = append(detail, "modified")
		}
		line := "revision " + info.Revision
		if len(detail) > 0 {
			line += " (" + strings.Join(detail, ", ") + ")"
		}
		fmt.Fprintln(a.stdout, line)
	}
	fmt.Fprintf(a.stdout, "%s %s/%s, guest ABI v%d\n", info.GoVersion, goruntime.GOOS, goruntime.GOARCH, abiVersion())
	return nil
}

// oneLine joins a multi-line error for a terminal line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

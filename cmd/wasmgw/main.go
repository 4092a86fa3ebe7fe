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
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
	fs := newFlagSet("version", "", "Print the version of wasmgw and of its guest ABI.")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "wasmgw %s (guest ABI v%d)\n", version, abiVersion())
	return nil
}

// oneLine joins a multi-line error for a terminal line.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

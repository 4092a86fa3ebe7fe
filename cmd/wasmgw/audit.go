package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/inspect"
)

type auditFlags struct {
	common
	profiles   []string
	format     string
	out        string
	staticOnly bool
}

func auditCommand(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "log" {
		return auditLogCommand(ctx, a, args[1:])
	}
	var f auditFlags
	fs := newFlagSet("audit", "[--home DIR] [--profile P]... [--format text|json|markdown] [--out FILE] [--static-only]",
		`A security review of a home, to file with a release or a deployment:

  inventory   every module of every profile: sha256, size, ABI version,
              imports (host and WASI functions), exports, declared memory;
              each profile's grants, limits, .env names and mode (never a
              value), MCP servers and the secret names each references
  findings    what a reviewer must look at, by severity (high, medium, low,
              info) and id (see docs/security.md)
  load check  each profile loaded into a real engine, as the gateway would
  suite       wasmgw's own hostile modules attacking a real engine under
              each audited profile's limits, with synthetic secrets, while a
              benign profile is called in a loop (about as long as the
              longest profile timeout)

Exit status: 0 when every hostile behaviour was contained and no high
finding exists, 1 otherwise, 2 for a usage error. The JSON form is the
stable schema "wasmgw.audit/v1" (docs/audit-json.md).

  wasmgw audit log --help     summarise the secret-access audit trail

Examples:
  wasmgw audit --home testdata/home
  wasmgw audit --format markdown --out audit.md
  wasmgw audit --profile alice --static-only --format json`)
	f.register(fs, "warn")
	fs.StringArrayVarP(&f.profiles, "profile", "p", nil, "audit only this profile (repeatable; default every profile of the home)")
	fs.StringVar(&f.format, "format", "text", "report format: text, json or markdown")
	fs.StringVar(&f.out, "out", "", "write the report to this file instead of stdout (a one-line verdict still goes to stdout)")
	fs.BoolVar(&f.staticOnly, "static-only", false, "read files only: no module is loaded or run (no load check, no hostile suite)")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	switch f.format {
	case inspect.FormatText, inspect.FormatJSON, inspect.FormatMarkdown:
	default:
		fmt.Fprintf(a.stderr, "wasmgw audit: --format %q: want text, json or markdown\n", f.format)
		return &exitError{2}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "wasmgw audit: unexpected argument %q (profiles go in --profile)\n", fs.Arg(0))
		return &exitError{2}
	}
	log, err := f.logger(a)
	if err != nil {
		return err
	}
	home, err := runtime.ResolveHome(f.home, a.getenv)
	if err != nil {
		return err
	}
	if !f.staticOnly {
		fmt.Fprintln(a.stderr, "wasmgw audit: loading the profiles and running the hostile suite (about as long as the longest profile timeout) ...")
	}
	maxModule, err := f.maxModuleSize()
	if err != nil {
		fmt.Fprintln(a.stderr, "wasmgw audit:", err)
		return &exitError{2}
	}
	rep, err := inspect.Audit(ctx, inspect.Options{
		MaxModuleSize:   maxModule,
		Home:            home,
		Profiles:        f.profiles,
		GlobalAllowlist: strings.TrimSpace(a.getenv("WASMGW_GLOBAL_ALLOWLIST")),
		Environ:         a.environ,
		CacheDir:        f.cache(a),
		StaticOnly:      f.staticOnly,
		Version:         buildInfo().Short(),
		Build:           buildInfo(),
		Logger:          log,
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit interrupted: %w", err)
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, f.format); err != nil {
		return err
	}
	if f.out != "" {
		if err := os.WriteFile(f.out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		abs, _ := filepath.Abs(f.out)
		fmt.Fprintf(a.stdout, "%s: %s %s\n", rep.Summary.Result, f.format+" report written to", abs)
	} else if _, err := a.stdout.Write(buf.Bytes()); err != nil {
		return err
	}
	if rep.Summary.ExitStatus != 0 {
		return &exitError{rep.Summary.ExitStatus}
	}
	return nil
}

func auditLogCommand(_ context.Context, a *app, args []string) error {
	var (
		home, profile, since, file, format string
	)
	fs := newFlagSet("audit log", "[--home DIR] [--profile P] [--since T] [--file F] [--format text|json]",
		`Summarise the secret-access audit trail (<home>/logs/audit.jsonl, one
runtime.AuditRecord per line): which module read which names, how often and
when last, refusals (denied, not found, invalid) first; then the egress
decisions of http_fetch. A malformed line is reported with its line number
and never stops the summary.

Examples:
  wasmgw audit log --home testdata/home
  wasmgw audit log --profile alice --since 24h
  wasmgw audit log --file /var/log/wasmgw/audit.jsonl --format json`)
	fs.StringVar(&home, "home", "", "gateway home directory (default $WASMGW_HOME, else ~/.wasmgw)")
	fs.StringVarP(&profile, "profile", "p", "", "only this profile's records")
	fs.StringVar(&since, "since", "", "only records from this time: RFC 3339, a date (2025-01-02) or a duration before now (24h)")
	fs.StringVar(&file, "file", "", "the audit trail to read (default <home>/logs/audit.jsonl)")
	fs.StringVar(&format, "format", "text", "output format: text or json")
	if err := parse(fs, a, args); err != nil {
		return err
	}
	if format != "text" && format != "json" {
		fmt.Fprintf(a.stderr, "wasmgw audit log: --format %q: want text or json\n", format)
		return &exitError{2}
	}
	opts := inspect.AuditLogOptions{}
	if profile != "" {
		n, err := runtime.NormalizeProfileName(profile)
		if err != nil {
			fmt.Fprintf(a.stderr, "wasmgw audit log: --profile: %v\n", err)
			return &exitError{2}
		}
		opts.Profile = n
	}
	if since != "" {
		t, err := inspect.ParseSince(since, time.Now())
		if err != nil {
			fmt.Fprintf(a.stderr, "wasmgw audit log: %v\n", err)
			return &exitError{2}
		}
		opts.Since = t
	}
	if file == "" {
		dir, err := runtime.ResolveHome(home, a.getenv)
		if err != nil {
			return err
		}
		file = filepath.Join(dir, "logs", "audit.jsonl")
	}
	fh, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("audit trail: %w", err)
	}
	defer fh.Close()
	s, err := inspect.SummarizeAuditLog(fh, opts)
	if err != nil {
		return fmt.Errorf("audit trail %s: %w", file, err)
	}
	s.File = file
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	return s.WriteText(a.stdout)
}

package inspect

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wasmgw/wasmgw/runtime/inspect/internal/suite"
)

// Formats of a report.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// Write renders the report in format: "text" (tables for a terminal),
// "markdown" (to file with a review) or "json" (the schema wasmgw.audit/v1, docs/audit-json.md).
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case FormatJSON:
		return r.WriteJSON(w)
	case FormatText:
		return r.writeText(w)
	case FormatMarkdown:
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("unknown report format %q (want text, json or markdown)", format)
}

// formatSize renders a byte count with a binary unit ("128MiB").
func formatSize(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

// String renders limits for a human: "memory 128MiB, timeout 10s, ...".
func (l LimitsReport) String() string {
	return fmt.Sprintf("memory %s, timeout %s, max_output %s, max_log %s, max_host_calls %d",
		formatSize(l.MemoryBytes), time.Duration(l.TimeoutMS)*time.Millisecond, formatSize(l.MaxOutputBytes), formatSize(l.MaxLogBytes), l.MaxHostCalls)
}

func grantsText(m ModuleReport) string {
	switch {
	case m.GrantsAll:
		return "ALL NAMES"
	case len(m.Grants) == 0:
		return "none"
	}
	return strings.Join(m.Grants, ",")
}

// importsText summarises a module's imports: host functions by name, the
// number of WASI functions, and anything the host does not provide.
func importsText(m ModuleReport) string {
	var host, foreign []string
	wasi := 0
	for _, im := range m.Imports {
		switch {
		case !im.Provided:
			foreign = append(foreign, "!"+im.Module+"."+im.Name)
		case im.Module == "wasmgw":
			if !contains(host, im.Name) {
				host = append(host, im.Name)
			}
		default:
			wasi++
		}
	}
	sort.Strings(host)
	parts := []string{}
	if len(host) > 0 {
		parts = append(parts, "wasmgw: "+strings.Join(host, ","))
	}
	if wasi > 0 {
		parts = append(parts, fmt.Sprintf("wasi: %d", wasi))
	}
	parts = append(parts, foreign...)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func memoryText(m ModuleReport) string {
	if len(m.Memories) == 0 {
		return "-"
	}
	mem := m.Memories[0]
	s := formatSize(mem.MinPages * 65536)
	if mem.MaxPages != nil {
		s += ".." + formatSize(*mem.MaxPages*65536)
	}
	if mem.Imported {
		s += " (imported)"
	}
	return s
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	if s == "" {
		return "-"
	}
	return s
}

func loadText(p ProfileReport) string {
	switch {
	case p.Load == nil:
		return "not loaded (static)"
	case p.Load.OK:
		return fmt.Sprintf("ok (%d tools)", p.Load.Tools)
	}
	return "REFUSED"
}

func envText(e EnvReport) string {
	switch {
	case !e.Exists:
		return "none"
	case e.Error != "":
		return e.Mode + " (invalid)"
	}
	return e.Mode
}

func ms(v float64) string {
	d := time.Duration(v * float64(time.Millisecond))
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func (r *Report) verdictLine() string {
	s := r.Summary
	line := fmt.Sprintf("RESULT: %s: %d high, %d medium, %d low, %d info findings", s.Result, s.Findings.High, s.Findings.Medium, s.Findings.Low, s.Findings.Info)
	switch {
	case r.Suite == nil:
		line += "; hostile suite not run (static only)"
	case r.Suite.Error != "":
		line += "; the hostile suite could not run"
	default:
		line += fmt.Sprintf("; %d of %d hostile behaviours contained", s.Passed, s.Rows)
	}
	return line
}

func (r *Report) writeText(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "wasmgw audit of %s (wasmgw %s, guest ABI v%d, %s)\n", r.Home, r.Version, r.ABI, r.GeneratedAt.Format(time.RFC3339))
	fmt.Fprintf(ew, "Global allowlist: %s\n", strings.Join(r.GlobalAllowlist, " "))

	fmt.Fprintln(ew, "\nPROFILES")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\t.ENV MODE\tSECRETS\tMODULES\tMCP\tLIMITS\tLOAD")
	for _, p := range r.Profiles {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", p.Name, envText(p.Env), len(p.Env.Names), len(p.Modules), len(p.MCPServers), p.Limits, loadText(p))
	}
	tw.Flush()

	fmt.Fprintln(ew, "\nMODULES")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tMODULE\tROLE\tPATH\tSHA256\tSIZE\tABI\tGRANTS\tMEMORY (LIMIT)\tTIMEOUT\tDECLARED MEMORY\tIMPORTS\tTOOLS")
	for _, p := range r.Profiles {
		for _, m := range p.Modules {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\tv%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, m.Name, m.Role, m.Path, shortSHA(m.SHA256), formatSize(uint64(m.Size)),
				m.ABIVersion, grantsText(m), formatSize(m.Limits.MemoryBytes), time.Duration(m.Limits.TimeoutMS)*time.Millisecond, memoryText(m), importsText(m), strings.Join(m.Tools, ","))
		}
	}
	tw.Flush()

	fmt.Fprintln(ew, "\nMCP SERVERS")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSERVER\tTRANSPORT\tENABLED\tCOMMAND / URL\tSECRET NAMES\tCONFINEMENT")
	n := 0
	for _, p := range r.Profiles {
		for _, s := range p.MCPServers {
			n++
			target := s.URLOrigin
			if s.Command != "" {
				target = s.Command
				if s.ResolvedCommand != "" && s.ResolvedCommand != s.Command {
					target += " -> " + s.ResolvedCommand
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\t%s\n", p.Name, s.Name, s.Transport, s.Enabled, target, refNames(s), dash(s.Confinement))
		}
	}
	if n == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	tw.Flush()

	fmt.Fprintln(ew, "\nFINDINGS")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tID\tPROFILE\tMODULE\tSUBJECT\tMESSAGE")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.ID, f.Profile, dash(f.Module), dash(f.Subject), clipText(f.Message, 400))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	tw.Flush()

	if s := r.Suite; s != nil {
		fmt.Fprintln(ew, "\nHOSTILE SUITE")
		for _, t := range s.Targets {
			fmt.Fprintf(ew, "target %s (profiles %s): %s\n", t.ID, dash(strings.Join(t.Profiles, ", ")), t.Limits)
		}
		if s.Error != "" {
			fmt.Fprintf(ew, "THE SUITE COULD NOT RUN: %s\n", s.Error)
		}
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTARGET\tRESULT\tDURATION\tOBSERVED")
		for _, row := range s.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.ID, dash(row.Target), row.Result, ms(row.DurationMS), clipText(row.Observed, 110))
		}
		tw.Flush()
		for _, row := range s.Rows {
			if row.Result != suite.ResultPass {
				fmt.Fprintf(ew, "\nFAIL %s\n  tried:    %s\n  expected: %s\n  observed: %s\n  why:      %s\n", row.ID, row.Tried, row.Expected, row.Observed, row.Reason)
			}
		}
		nb := s.Neighbour
		fmt.Fprintf(ew, "\nNeighbour %q during the suite: %d calls in %s (one due every %s), %d failures; latency p50 %s, p99 %s, max %s\n",
			nb.Profile, nb.Calls, ms(float64(nb.DurationMS)), ms(nb.PaceMS), nb.Failures, ms(nb.P50MS), ms(nb.P99MS), ms(nb.MaxMS))
		for _, e := range nb.Errors {
			fmt.Fprintf(ew, "  neighbour error: %s\n", e)
		}
		fmt.Fprintf(ew, "Suite took %s. Run with --format markdown or json for what each row tried and expected.\n", ms(float64(s.DurationMS)))
	}
	fmt.Fprintf(ew, "\n%s\n", r.verdictLine())
	return ew.err
}

func refNames(s MCPServerReport) string {
	seen := map[string]bool{}
	var names []string
	for _, r := range s.SecretRefs {
		if !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// md escapes text for a Markdown table cell.
func md(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "`", "'")
	if s == "" {
		return "-"
	}
	return s
}

func (r *Report) writeMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "# wasmgw audit of `%s`\n\n", md(r.Home))
	fmt.Fprintf(ew, "wasmgw %s, guest ABI v%d, %s. Schema `%s`.\n\n", md(r.Version), r.ABI, r.GeneratedAt.Format(time.RFC3339), reportSchema)
	fmt.Fprintf(ew, "**%s**\n\n", r.verdictLine())
	fmt.Fprintf(ew, "Global allowlist: `%s`\n\n", strings.Join(r.GlobalAllowlist, " "))

	fmt.Fprintln(ew, "## Profiles\n\n| profile | .env mode | secret names | modules | MCP servers | limits | load |\n|---|---|---|---|---|---|---|")
	for _, p := range r.Profiles {
		load := loadText(p)
		if p.Load != nil && !p.Load.OK {
			load += ": " + p.Load.Error
		}
		fmt.Fprintf(ew, "| %s | %s | %s | %d | %d | %s | %s |\n", md(p.Name), md(envText(p.Env)), md(strings.Join(p.Env.Names, ", ")), len(p.Modules), len(p.MCPServers), md(p.Limits.String()), md(load))
	}

	fmt.Fprintln(ew, "\n## Modules\n\n| profile | module | role | path | sha256 | size | ABI | grants | limits | declared memory | imports | exports | tools |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range r.Profiles {
		for _, m := range p.Modules {
			var imps, exps []string
			for _, im := range m.Imports {
				s := im.Module + "." + im.Name
				if !im.Provided {
					s = "**" + s + " (not provided)**"
				}
				imps = append(imps, s)
			}
			for _, ex := range m.Exports {
				exps = append(exps, ex.Name+" ("+ex.Kind+")")
			}
			path := m.Path
			if m.Error != "" {
				path += " (" + m.Error + ")"
			}
			fmt.Fprintf(ew, "| %s | %s | %s | %s | %s | %d | v%d | %s | %s | %s | %s | %s | %s |\n", md(p.Name), md(m.Name), md(m.Role), md(path), md(m.SHA256), m.Size, m.ABIVersion,
				md(grantsText(m)), md(m.Limits.String()), md(memoryText(m)), md(strings.Join(imps, ", ")), md(strings.Join(exps, ", ")), md(strings.Join(m.Tools, ", ")))
		}
	}

	fmt.Fprintln(ew, "\n## MCP servers\n\n| profile | server | transport | enabled | command | resolved | url origin | references (path: name) | unsupported | confinement |\n|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range r.Profiles {
		for _, s := range p.MCPServers {
			var refs []string
			for _, ref := range s.SecretRefs {
				refs = append(refs, ref.Path+": "+ref.Name)
			}
			fmt.Fprintf(ew, "| %s | %s | %s | %t | %s | %s | %s | %s | %s | %s |\n", md(p.Name), md(s.Name), md(s.Transport), s.Enabled, md(s.Command), md(s.ResolvedCommand), md(s.URLOrigin), md(strings.Join(refs, ", ")), md(strings.Join(s.Unsupported, ", ")), md(s.Confinement))
		}
	}

	fmt.Fprintln(ew, "\n## Findings\n\n| severity | id | profile | module | subject | message |\n|---|---|---|---|---|---|")
	for _, f := range r.Findings {
		fmt.Fprintf(ew, "| %s | `%s` | %s | %s | %s | %s |\n", f.Severity, f.ID, md(f.Profile), md(f.Module), md(f.Subject), md(f.Message))
	}

	if s := r.Suite; s != nil {
		fmt.Fprintln(ew, "\n## Hostile suite")
		fmt.Fprintln(ew)
		for _, t := range s.Targets {
			fmt.Fprintf(ew, "- target `%s` (profiles %s): %s\n", t.ID, md(strings.Join(t.Profiles, ", ")), md(t.Limits.String()))
		}
		if s.Error != "" {
			fmt.Fprintf(ew, "\n**The suite could not run:** %s\n", md(s.Error))
		}
		fmt.Fprintln(ew, "\n| id | target | tried | expected | observed | result | duration |\n|---|---|---|---|---|---|---|")
		for _, row := range s.Rows {
			result := row.Result
			if row.Reason != "" {
				result = "**" + result + "**: " + row.Reason
			}
			fmt.Fprintf(ew, "| `%s` | %s | %s | %s | %s | %s | %s |\n", row.ID, md(row.Target), md(row.Tried), md(row.Expected), md(row.Observed), md(result), ms(row.DurationMS))
		}
		nb := s.Neighbour
		fmt.Fprintf(ew, "\nNeighbour `%s` during the suite: %d calls in %s (one due every %s), %d failures; latency p50 %s, p99 %s, max %s. The suite took %s.\n",
			md(nb.Profile), nb.Calls, ms(float64(nb.DurationMS)), ms(nb.PaceMS), nb.Failures, ms(nb.P50MS), ms(nb.P99MS), ms(nb.MaxMS), ms(float64(s.DurationMS)))
	}
	return ew.err
}

// errWriter keeps the first write error so a renderer can report it once.
type errWriter struct {
	w   io.Writer
	err error
}

// Write implements io.Writer, dropping everything after the first error.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// clipText puts s on one line and clips it to n bytes.
func clipText(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

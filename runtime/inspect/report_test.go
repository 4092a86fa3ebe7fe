package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/inspect/internal/suite"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

var fixedNow = func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func staticAudit(t *testing.T, home string) *Report {
	t.Helper()
	rep, err := Audit(context.Background(), Options{Home: home, StaticOnly: true, Version: "test", Now: fixedNow, Environ: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func render(t *testing.T, r *Report, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestStaticReportIsStableAndParses: the JSON report of a home is the same
// bytes every time, parses back under the schema, and holds no value.
func TestStaticReportIsStableAndParses(t *testing.T) {
	home := runtimetest.SampleHome(t)
	a, b := render(t, staticAudit(t, home), FormatJSON), render(t, staticAudit(t, home), FormatJSON)
	if a != b {
		t.Fatal("two reports of the same home differ")
	}
	rep, err := ParseReport([]byte(a))
	if err != nil {
		t.Fatal(err)
	}
	if again := render(t, rep, FormatJSON); again != a {
		t.Fatalf("the report does not survive a round trip:\n%s\n---\n%s", a, again)
	}
	if rep.Schema != reportSchema || rep.Summary.ExitStatus != 0 || rep.Summary.Result != suite.ResultPass || rep.Suite != nil || !rep.StaticOnly {
		t.Errorf("summary %+v schema %q", rep.Summary, rep.Schema)
	}
	if !strings.Contains(a, `"suite": null`) || !strings.Contains(a, `"findings": [`) {
		t.Error("the JSON lacks documented fields")
	}
	for _, format := range []string{FormatText, FormatMarkdown, FormatJSON} {
		out := render(t, rep, format)
		for _, v := range runtimetest.FakeValues(t, home) {
			if strings.Contains(out, v) {
				t.Errorf("%s report holds the value %q", format, v)
			}
		}
	}
	text := render(t, rep, FormatText)
	for _, want := range []string{"PROFILES", "MODULES", "MCP SERVERS", "FINDINGS", "grants.all-names", "RESULT: PASS", "hostile suite not run"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if md := render(t, rep, FormatMarkdown); !strings.Contains(md, "## Findings") || !strings.Contains(md, "| medium | `grants.all-names` | bob |") {
		t.Errorf("markdown:\n%s", md)
	}
	if err := rep.Write(&bytes.Buffer{}, "yaml"); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestPlantedModuleFailsTheAudit(t *testing.T) {
	home := runtimetest.SampleHome(t)
	writeProfile(t, home, "mallory", "", "wasmgw:\n  modules:\n    evil: modules/evil.wasm\n", map[string][]byte{"modules/evil.wasm": readWAT(t, "unknown_import")})
	rep := staticAudit(t, home)
	if rep.Summary.ExitStatus != 1 || rep.Summary.Findings.High == 0 {
		t.Fatalf("summary %+v", rep.Summary)
	}
	if text := render(t, rep, FormatText); !strings.Contains(text, "module.foreign-import") || !strings.Contains(text, "RESULT: FAIL") || !strings.Contains(text, "!env.exfiltrate") {
		t.Errorf("text:\n%s", text)
	}
}

// TestReportWithTheSuite renders the real suite's result, run through
// runSuite with the hostile modules built from this checkout.
func TestReportWithTheSuite(t *testing.T) {
	dir := runtimetest.EmbedHostile(t)
	limits := runtime.Limits{Memory: 32 << 20, Timeout: 2 * time.Second, MaxOutput: 64 << 10, MaxLog: 8 << 10, MaxHostCalls: 5000}
	sr := runSuite(context.Background(), []suite.Target{{ID: "t1", Profiles: []string{"p"}, Limits: limits}},
		Options{Modules: os.DirFS(dir), CacheDir: runtimetest.CacheDir(), Environ: []string{"PATH=/usr/bin:/bin", "HOME=/root"}})
	if sr.Error != "" {
		t.Fatalf("the suite could not run: %s", sr.Error)
	}
	if len(sr.Targets) != 1 || sr.Targets[0].ID != "t1" || sr.Targets[0].Limits != limitsReport(limits) {
		t.Fatalf("targets %+v", sr.Targets)
	}
	rep := staticAudit(t, runtimetest.SampleHome(t))
	rep.StaticOnly = false
	s := *sr
	rep.Suite = &s
	rep.finish()
	if rep.Summary.Rows != len(RowIDs()) || rep.Summary.Failed != 0 || rep.Summary.ExitStatus != 0 {
		t.Fatalf("summary %+v", rep.Summary)
	}
	js := render(t, rep, FormatJSON)
	if _, err := ParseReport([]byte(js)); err != nil {
		t.Fatal(err)
	}
	text := render(t, rep, FormatText)
	for _, want := range []string{"HOSTILE SUITE", "target t1", "loop.go", "memory.go-bomb", "Neighbour \"neighbour\" during the suite", "hostile behaviours contained"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// One failed row fails the report and is explained.
	rows := append([]RowReport(nil), s.Rows...)
	rows[0].Result, rows[0].Reason = suite.ResultFail, "planted failure"
	s2 := s
	s2.Rows = rows
	rep.Suite = &s2
	rep.finish()
	if rep.Summary.ExitStatus != 1 || !strings.Contains(render(t, rep, FormatText), "FAIL "+rows[0].ID) {
		t.Errorf("a failed row: summary %+v", rep.Summary)
	}
	if md := render(t, rep, FormatMarkdown); !strings.Contains(md, "**FAIL**: planted failure") {
		t.Error("markdown does not show the failure")
	}
}

func TestParseReportRefusesWhatTheSchemaDoesNot(t *testing.T) {
	rep := staticAudit(t, runtimetest.SampleHome(t))
	good := render(t, rep, FormatJSON)
	for name, mutate := range map[string]func(string) string{
		"schema":        func(s string) string { return strings.Replace(s, reportSchema, "wasmgw.audit/v0", 1) },
		"unknown field": func(s string) string { return strings.Replace(s, `"schema"`, `"extra": 1, "schema"`, 1) },
		"severity":      func(s string) string { return strings.Replace(s, `"severity": "medium"`, `"severity": "critical"`, 1) },
		"summary":       func(s string) string { return strings.Replace(s, `"exit_status": 0`, `"exit_status": 1`, 1) },
		"trailing":      func(s string) string { return s + "{}" },
		"not json":      func(string) string { return "<html>" },
	} {
		bad := mutate(good)
		if bad == good {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if _, err := ParseReport([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var row RowReport
	_ = json.Unmarshal([]byte(`{"id":"x","result":"MAYBE"}`), &row)
	rep.Suite = &SuiteReport{Rows: []RowReport{row}}
	b, _ := json.Marshal(rep)
	if _, err := ParseReport(b); err == nil || !strings.Contains(err.Error(), "MAYBE") {
		t.Errorf("row result MAYBE: %v", err)
	}
}

func TestScrubRemovesHomeValues(t *testing.T) {
	home := runtimetest.SampleHome(t)
	rep := staticAudit(t, home)
	vals := homeValues(home)
	if len(vals) == 0 {
		t.Fatal("no values found in the sample home")
	}
	rep.Findings = append(rep.Findings, Finding{ID: "x", Severity: SeverityInfo, Profile: "alice", Message: "oops " + vals[0]})
	rep.Profiles[0].Modules = append(rep.Profiles[0].Modules, ModuleReport{Error: "read " + vals[len(vals)-1]})
	scrub(rep, vals)
	b, _ := json.Marshal(rep)
	for _, v := range vals {
		if strings.Contains(string(b), v) {
			t.Errorf("%q survived the scrub", v)
		}
	}
	if !strings.Contains(string(b), "oops [REDACTED]") {
		t.Error("the scrub did not mark what it removed")
	}
}

func TestAuditRefusesAnUnusableHome(t *testing.T) {
	_, err := Audit(context.Background(), Options{Home: filepath.Join(t.TempDir(), "nope"), StaticOnly: true})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Audit(context.Background(), Options{Home: f, StaticOnly: true}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err %v", err)
	}
}

func FuzzParseReport(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data)
		if err != nil {
			return
		}
		var a bytes.Buffer
		if err := r.WriteJSON(&a); err != nil {
			t.Fatal(err)
		}
		r2, err := ParseReport(a.Bytes())
		if err != nil {
			t.Fatalf("a parsed report does not parse once written: %v\n%s", err, a.Bytes())
		}
		var b bytes.Buffer
		if err := r2.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("not stable:\n%s\n---\n%s", a.Bytes(), b.Bytes())
		}
		for _, format := range []string{FormatText, FormatMarkdown} {
			if err := r2.Write(&bytes.Buffer{}, format); err != nil {
				t.Fatal(err)
			}
		}
	})
}

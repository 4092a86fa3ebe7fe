package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

func auditLine(t time.Time, kind, profile, module, name string, outcome runtime.Outcome, host, reason string) string {
	b, _ := json.Marshal(runtime.AuditRecord{Time: t, Kind: kind, Profile: profile, Module: module, ModuleSHA256: "abc", Name: name, Outcome: outcome, Host: host, Reason: reason})
	return string(b)
}

func TestSummarizeAuditLog(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	lines := []string{
		auditLine(t0, "", "alice", "whoami", "OPENAI_API_KEY", runtime.OutcomeGranted, "", ""),
		auditLine(t0.Add(time.Minute), "", "alice", "whoami", "OPENAI_API_KEY", runtime.OutcomeGranted, "", ""),
		`{"time":"2025-05-01T10:00:00Z","profile":"alice"`, // line 3: truncated
		"",
		auditLine(t0.Add(2*time.Minute), "", "alice", "whoami", "GITHUB_TOKEN", runtime.OutcomeDenied, "", ""),
		"not json at all", // line 6
		auditLine(t0.Add(3*time.Minute), "", "bob", "whoami", "AWS_KEY", runtime.OutcomeNotFound, "", ""),
		auditLine(t0.Add(4*time.Minute), "egress", "alice", "fetcher", "OPENAI_API_KEY", runtime.OutcomeRefused, "https://evil.example:443", "host_not_allowed"),
		auditLine(t0.Add(5*time.Minute), "egress", "alice", "fetcher", "OPENAI_API_KEY", runtime.OutcomeAllowed, "https://api.openai.com:443", ""),
		`{"time":"2025-05-01T10:00:00Z","module":"m","outcome":"granted"}`, // line 10: no profile
		strings.Repeat("x", maxAuditLine+10), // line 11: too long
		auditLine(t0.Add(6*time.Minute), "", "alice", "whoami", "OPENAI_API_KEY", runtime.OutcomeGranted, "", ""),
	}
	data := strings.Join(lines, "\n") // no final newline
	s, err := SummarizeAuditLog(strings.NewReader(data), AuditLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 7 || s.MalformedCount != 4 || s.Lines != 11 {
		t.Errorf("records %d malformed %d lines %d", s.Records, s.MalformedCount, s.Lines)
	}
	var bad []string
	for _, m := range s.Malformed {
		bad = append(bad, fmt.Sprint(m.Line))
	}
	if strings.Join(bad, ",") != "3,6,10,11" {
		t.Errorf("malformed lines %v: %+v", bad, s.Malformed)
	}
	var reads []string
	for _, g := range s.Reads {
		reads = append(reads, fmt.Sprintf("%s %s/%s/%s x%d", g.Outcome, g.Profile, g.Module, g.Name, g.Count))
	}
	if got := strings.Join(reads, "; "); got != "denied alice/whoami/GITHUB_TOKEN x1; not_found bob/whoami/AWS_KEY x1; granted alice/whoami/OPENAI_API_KEY x3" {
		t.Errorf("reads: %s", got)
	}
	if g := s.Reads[2]; !g.Last.Equal(t0.Add(6*time.Minute)) || !g.First.Equal(t0) {
		t.Errorf("granted group first %v last %v", g.First, g.Last)
	}
	if len(s.Egress) != 2 || s.Egress[0].Outcome != "refused" || s.Egress[0].Host != "https://evil.example:443" || s.Egress[0].Reason != "host_not_allowed" {
		t.Errorf("egress %+v", s.Egress)
	}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"7 records", "4 malformed lines", "line 3: not an audit record", "line 10: no profile", "line 11: longer than", "denied     alice    whoami  GITHUB_TOKEN"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}

	// Filters.
	s, _ = SummarizeAuditLog(strings.NewReader(data), AuditLogOptions{Profile: "bob"})
	if s.Records != 1 || s.Filtered != 6 || len(s.Reads) != 1 || s.Reads[0].Profile != "bob" {
		t.Errorf("profile filter: %+v", s)
	}
	s, _ = SummarizeAuditLog(strings.NewReader(data), AuditLogOptions{Since: t0.Add(150 * time.Second)})
	if s.Records != 4 {
		t.Errorf("since filter: %d records", s.Records)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2025-05-01T10:00:00Z": time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC),
		"2025-05-01":           time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		"24h":                  time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSince("yesterday", now); err == nil || !strings.Contains(err.Error(), `"yesterday"`) {
		t.Errorf("err %v", err)
	}
}

func FuzzDecodeAuditLine(f *testing.F) {
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := decodeAuditLine(line)
		if err != nil {
			return
		}
		if r.Profile == "" || r.Module == "" || r.Outcome == "" || r.Time.IsZero() {
			t.Fatalf("accepted an incomplete record %+v", r)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("an accepted record does not encode: %v", err)
		}
		r2, err := decodeAuditLine(b)
		if err != nil {
			t.Fatalf("a re-encoded record does not decode: %v (%s)", err, b)
		}
		if !r2.Time.Equal(r.Time) {
			t.Fatalf("time %v became %v", r.Time, r2.Time)
		}
		r2.Time = r.Time
		if r2 != r {
			t.Fatalf("%+v became %+v", r, r2)
		}
	})
}

func FuzzSummarizeAuditLog(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, profile string) {
		s, err := SummarizeAuditLog(bytes.NewReader(data), AuditLogOptions{Profile: profile})
		if err != nil {
			t.Fatalf("a reader that does not fail: %v", err)
		}
		if s.Lines != s.Records+s.Filtered+s.MalformedCount {
			t.Fatalf("lines %d != records %d + filtered %d + malformed %d", s.Lines, s.Records, s.Filtered, s.MalformedCount)
		}
		n := 0
		for _, list := range [][]AuditGroup{s.Reads, s.Egress} {
			for _, g := range list {
				n += g.Count
				if g.Count <= 0 || g.Last.Before(g.First) || (profile != "" && g.Profile != profile) {
					t.Fatalf("group %+v", g)
				}
			}
			if !sort.SliceIsSorted(list, func(i, j int) bool { return outcomeRank(list[i].Outcome) < outcomeRank(list[j].Outcome) }) {
				t.Fatalf("groups not ordered refusals first: %+v", list)
			}
		}
		if n != s.Records {
			t.Fatalf("groups count %d records, summary %d", n, s.Records)
		}
		for _, m := range s.Malformed {
			if m.Line < 1 || m.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("malformed line %d of %d", m.Line, bytes.Count(data, []byte("\n"))+1)
			}
		}
		_ = s.WriteText(&bytes.Buffer{})
	})
}

// TestSummarySumsDroppedRecords: the summary adds up what "dropped"
// records say was not written, per group.
func TestSummarySumsDroppedRecords(t *testing.T) {
	t.Parallel()
	data := `{"time":"2025-05-01T10:00:00Z","kind":"dropped","profile":"mallory","module":"hostile","module_sha256":"00","name":"","outcome":"dropped","reason":"max_audit_records","dropped":99000}
{"time":"2025-05-01T10:01:00Z","kind":"dropped","profile":"mallory","module":"hostile","module_sha256":"00","name":"","outcome":"dropped","reason":"max_audit_records","dropped":950}
`
	s, err := SummarizeAuditLog(strings.NewReader(data), AuditLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Egress) != 1 || s.Egress[0].Count != 2 || s.Egress[0].Dropped != 99950 {
		t.Fatalf("groups %+v", s.Egress)
	}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 (99950 dropped)") {
		t.Errorf("text does not show the dropped count:\n%s", out.String())
	}
}

package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

// maxAuditLine bounds one line of the audit trail; a longer line is
// reported as malformed and skipped.
const maxAuditLine = 1 << 20

// maxMalformed bounds the malformed lines a summary lists (all are counted).
const maxMalformed = 100

// decodeAuditLine decodes one line of the audit trail (a runtime.AuditRecord
// as JSON). It refuses what the runtime never writes: anything but one JSON
// object, a missing or zero time, a missing profile, module or outcome, and
// a name, host or reason that is not valid UTF-8 text on one line. Unknown
// fields are allowed (a newer runtime may add some).
func decodeAuditLine(line []byte) (runtime.AuditRecord, error) {
	var r runtime.AuditRecord
	line = bytes.TrimRight(line, "\r\n")
	if len(bytes.TrimSpace(line)) == 0 {
		return r, errors.New("empty line")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&r); err != nil {
		return runtime.AuditRecord{}, fmt.Errorf("not an audit record: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return runtime.AuditRecord{}, errors.New("trailing data after the record")
	}
	switch {
	case r.Time.IsZero():
		return runtime.AuditRecord{}, errors.New("no time")
	case r.Profile == "":
		return runtime.AuditRecord{}, errors.New("no profile")
	case r.Module == "":
		return runtime.AuditRecord{}, errors.New("no module")
	case r.Outcome == "":
		return runtime.AuditRecord{}, errors.New("no outcome")
	}
	for field, v := range map[string]string{"profile": r.Profile, "module": r.Module, "name": r.Name, "outcome": string(r.Outcome), "kind": r.Kind, "host": r.Host, "reason": r.Reason} {
		if strings.ContainsAny(v, "\n\r\x00") {
			return runtime.AuditRecord{}, fmt.Errorf("%s holds a control character", field)
		}
	}
	return r, nil
}

// AuditLogOptions filter a summary.
type AuditLogOptions struct {
	// Profile keeps only that profile's records ("" for all).
	Profile string
	// Since keeps only records at or after it (zero for all).
	Since time.Time
}

// AuditSummary is what the secret-access audit trail says: which module
// read which names, how often, when last; refusals first.
type AuditSummary struct {
	File string `json:"file"`
	// Lines is the number of lines read; Records those that decoded and
	// matched the filters; Filtered those that decoded but did not match.
	Lines    int `json:"lines"`
	Records  int `json:"records"`
	Filtered int `json:"filtered"`
	// MalformedCount counts every malformed line; Malformed lists the
	// first 100.
	MalformedCount int             `json:"malformed_count"`
	Malformed      []MalformedLine `json:"malformed"`
	// Reads are secret reads grouped by outcome, profile, module and name:
	// denied, not_found and invalid first, granted last.
	Reads []AuditGroup `json:"reads"`
	// Egress are the other records (kind "egress": http_fetch decisions),
	// grouped the same way with host and reason (refused first).
	Egress []AuditGroup `json:"egress"`
}

// MalformedLine is a line of the trail that is not a record.
type MalformedLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// AuditGroup counts the records of one (outcome, profile, module, name)
// (and host and reason, for egress).
type AuditGroup struct {
	// Kind is the record's kind: "" for a secret read, "egress" for an
	// http_fetch decision.
	Kind    string `json:"kind,omitempty"`
	Outcome string `json:"outcome"`
	Profile string `json:"profile"`
	Module  string `json:"module"`
	Name    string `json:"name"`
	Host    string `json:"host,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Count   int    `json:"count"`
	// Dropped sums the records of kind "dropped": how many records the
	// host did not write (a call's budget, a profile's share of the file).
	Dropped uint64    `json:"dropped,omitempty"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

// outcomeRank puts refusals before successes.
func outcomeRank(o string) int {
	switch runtime.Outcome(o) {
	case runtime.OutcomeDenied, runtime.OutcomeRefused:
		return 0
	case runtime.OutcomeNotFound:
		return 1
	case runtime.OutcomeInvalid:
		return 2
	case runtime.OutcomeGranted, runtime.OutcomeAllowed:
		return 4
	}
	return 3
}

// SummarizeAuditLog reads an audit trail (JSON lines) and groups its
// records. A malformed line is counted and listed with its line number,
// never fatal; only a read error is.
func SummarizeAuditLog(r io.Reader, opts AuditLogOptions) (*AuditSummary, error) {
	s := &AuditSummary{Malformed: []MalformedLine{}, Reads: []AuditGroup{}, Egress: []AuditGroup{}}
	groups := map[AuditGroup]*AuditGroup{}
	br := bufio.NewReaderSize(r, 64<<10)
	bad := func(line int, msg string) {
		s.MalformedCount++
		if len(s.Malformed) < maxMalformed {
			s.Malformed = append(s.Malformed, MalformedLine{Line: line, Error: msg})
		}
	}
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if len(line) == 0 && !tooLong && errors.Is(err, io.EOF) {
			break
		}
		s.Lines++
		switch {
		case tooLong:
			bad(lineNo, fmt.Sprintf("longer than %d bytes", maxAuditLine))
		case len(bytes.TrimSpace(line)) == 0:
			// A blank line (a trailing newline, an editor's) is not a record
			// and not an error.
			s.Lines--
		default:
			rec, derr := decodeAuditLine(line)
			if derr != nil {
				bad(lineNo, derr.Error())
				break
			}
			if (opts.Profile != "" && rec.Profile != opts.Profile) || (!opts.Since.IsZero() && rec.Time.Before(opts.Since)) {
				s.Filtered++
				break
			}
			s.Records++
			key := AuditGroup{Kind: rec.Kind, Outcome: string(rec.Outcome), Profile: rec.Profile, Module: rec.Module, Name: rec.Name, Host: rec.Host, Reason: rec.Reason}
			g := groups[key]
			if g == nil {
				g = new(AuditGroup)
				*g = key
				g.First = rec.Time
				groups[key] = g
			}
			g.Count++
			if rec.Kind == runtime.AuditKindDropped {
				g.Dropped += rec.Dropped
			}
			if rec.Time.After(g.Last) {
				g.Last = rec.Time
			}
			if rec.Time.Before(g.First) {
				g.First = rec.Time
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	for k, g := range groups {
		if k.Kind != "" {
			s.Egress = append(s.Egress, *g)
		} else {
			s.Reads = append(s.Reads, *g)
		}
	}
	for _, list := range [][]AuditGroup{s.Reads, s.Egress} {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if ra, rb := outcomeRank(a.Outcome), outcomeRank(b.Outcome); ra != rb {
				return ra < rb
			}
			for _, c := range [][2]string{{a.Kind, b.Kind}, {a.Outcome, b.Outcome}, {a.Profile, b.Profile}, {a.Module, b.Module}, {a.Name, b.Name}, {a.Host, b.Host}, {a.Reason, b.Reason}} {
				if c[0] != c[1] {
					return c[0] < c[1]
				}
			}
			return false
		})
	}
	return s, nil
}

// readLine returns the next line without its newline; tooLong is set (and
// the line discarded up to its end) when it exceeds maxAuditLine. err is
// io.EOF with the last line when the input does not end with a newline.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxAuditLine+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(buf, []byte("\n")), tooLong, err
	}
}

// WriteText renders the summary for a terminal.
func (s *AuditSummary) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "Audit trail %s: %d records", s.File, s.Records)
	if s.Filtered > 0 {
		fmt.Fprintf(ew, " (%d more outside the filters)", s.Filtered)
	}
	fmt.Fprintf(ew, ", %d malformed lines\n", s.MalformedCount)
	table := func(title string, groups []AuditGroup, egress bool) {
		fmt.Fprintf(ew, "\n%s\n", title)
		if len(groups) == 0 {
			fmt.Fprintln(ew, "(none)")
			return
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		if egress {
			fmt.Fprintln(tw, "KIND\tOUTCOME\tPROFILE\tMODULE\tHOST\tSECRET\tREASON\tCOUNT\tLAST")
		} else {
			fmt.Fprintln(tw, "OUTCOME\tPROFILE\tMODULE\tNAME\tCOUNT\tLAST")
		}
		for _, g := range groups {
			last := g.Last.UTC().Format(time.RFC3339)
			if egress {
				count := strconv.Itoa(g.Count)
				if g.Dropped > 0 {
					count += " (" + strconv.FormatUint(g.Dropped, 10) + " dropped)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Kind, g.Outcome, g.Profile, g.Module, dash(g.Host), dash(g.Name), dash(g.Reason), count, last)
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", g.Outcome, g.Profile, g.Module, dash(g.Name), g.Count, last)
			}
		}
		tw.Flush()
	}
	table("SECRET READS (refusals first)", s.Reads, false)
	table("EGRESS AND OTHER DECISIONS (refusals first)", s.Egress, true)
	if s.MalformedCount > 0 {
		fmt.Fprintf(ew, "\nMALFORMED LINES (%d)\n", s.MalformedCount)
		for _, m := range s.Malformed {
			fmt.Fprintf(ew, "line %d: %s\n", m.Line, m.Error)
		}
		if s.MalformedCount > len(s.Malformed) {
			fmt.Fprintf(ew, "... and %d more\n", s.MalformedCount-len(s.Malformed))
		}
	}
	return ew.err
}

// ParseSince reads a --since value: an RFC 3339 time, a date (2006-01-02,
// UTC) or a duration before now ("24h", "90m").
func ParseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want an RFC 3339 time (2025-01-02T15:04:05Z), a date (2025-01-02) or a duration before now (24h)", s)
}

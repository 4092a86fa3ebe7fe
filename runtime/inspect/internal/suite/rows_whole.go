package suite

// Rows that judge the whole run from the other rows, after them: the
// neighbour profile was served throughout, and no synthetic value appeared
// anywhere, the report included.

import (
	"encoding/json"
	"strconv"
	"strings"
)

// wholeRunRows are the meta rows, in report order; they run last.
var wholeRunRows = []rowSpec{
	{
		id:       "neighbour.served",
		tried:    "call a benign tool (whoami) of another profile in a loop while every attack runs",
		expected: "every call answers, with the neighbour's own identity",
		meta: func(s *suite, _ []RowReport) observation {
			r := s.nbr.report()
			o := observation{}
			o.fact("calls", strconv.Itoa(r.Calls))
			o.fact("failures", strconv.Itoa(r.Failures))
			if len(r.Errors) > 0 {
				o.Error = r.Errors[0]
			}
			return o
		},
		checks: []checker{factAtLeast("calls", 1), factIs("failures", "0")},
	},
	{
		id:       "exfil.anywhere",
		tried:    "scan everything the run produced (host log, audit trail, every output and error) for the run's synthetic values",
		expected: "no value anywhere",
		meta: func(s *suite, _ []RowReport) observation {
			o := observation{}
			s.mu.Lock()
			out := s.outLeaks
			s.mu.Unlock()
			o.fact("log_records", strconv.Itoa(s.log.leakCount()))
			o.fact("audit_records", strconv.Itoa(s.audit.leakCount()))
			o.fact("outputs_and_errors", strconv.Itoa(out))
			return o
		},
		checks: []checker{factIs("log_records", "0"), factIs("audit_records", "0"), factIs("outputs_and_errors", "0")},
	},
	{
		id:       "exfil.report",
		tried:    "scan this suite's own report for the run's synthetic values",
		expected: "no value: the report is safe to file",
		meta: func(s *suite, rows []RowReport) observation {
			b, _ := json.Marshal(rows)
			o := observation{}
			n := 0
			for _, v := range s.values {
				if strings.Contains(string(b), v) {
					n++
				}
			}
			o.fact("values_in_report", strconv.Itoa(n))
			return o
		},
		checks: []checker{factIs("values_in_report", "0")},
	},
}

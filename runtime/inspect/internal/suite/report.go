package suite

// This file holds the suite's part of the audit report's schema
// (wasmgw.audit/v1, docs/audit-json.md): package inspect embeds these types
// in its report under the same names.

// Row results.
const (
	// ResultPass: the attack was contained as expected.
	ResultPass = "PASS"
	// ResultFail: it was not, or the row could not run.
	ResultFail = "FAIL"
)

// RowReport is one hostile behaviour: what was tried, what the sandbox must
// do, what it did.
type RowReport struct {
	ID string `json:"id"`
	// Target is the target whose limits the row ran under ("" for rows
	// that do not depend on limits).
	Target   string `json:"target,omitempty"`
	Tried    string `json:"tried"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	// Result is "PASS" or "FAIL"; Reason says why a row failed.
	Result     string  `json:"result"`
	Reason     string  `json:"reason,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// NeighbourReport is the benign profile's calls while the suite ran. The
// loop calls once per PaceMS at most, for DurationMS; a latency runs from
// the moment a call was due, so waiting for a thread counts. Far fewer
// calls than DurationMS/PaceMS mean the loop itself waited.
type NeighbourReport struct {
	Profile    string   `json:"profile"`
	Calls      int      `json:"calls"`
	Failures   int      `json:"failures"`
	PaceMS     float64  `json:"pace_ms"`
	DurationMS int64    `json:"duration_ms"`
	P50MS      float64  `json:"p50_ms"`
	P99MS      float64  `json:"p99_ms"`
	MaxMS      float64  `json:"max_ms"`
	Errors     []string `json:"errors"`
}

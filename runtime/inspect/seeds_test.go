package inspect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/inspect/internal/suite"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// The seed corpora of this package's fuzz targets live in
// testdata/fuzz/<Target>/ (Go's corpus format), where `go test` runs them
// as regression inputs and `go test -fuzz` starts from them and writes any
// failure it finds. TestWriteSeedCorpora regenerates them:
//
//	WASMGW_WRITE_SEEDS=1 go test -run TestWriteSeedCorpora ./runtime/inspect

// corpusValue renders one fuzz argument in Go's corpus file format.
func corpusValue(v any) string {
	switch v := v.(type) {
	case []byte:
		return "[]byte(" + strconv.Quote(string(v)) + ")"
	case string:
		return "string(" + strconv.Quote(v) + ")"
	case byte:
		return "byte(" + strconv.QuoteRune(rune(v)) + ")"
	}
	panic(fmt.Sprintf("no corpus encoding for %T", v))
}

func seedCorpora(t *testing.T) map[string][][]any {
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	line := func(kind, name string, out runtime.Outcome) []byte {
		return []byte(auditLine(t0, kind, "alice", "whoami", name, out, "", ""))
	}
	seeds := map[string][][]any{}
	for _, b := range hostileWATSeeds(t) {
		seeds["FuzzParseWasm"] = append(seeds["FuzzParseWasm"], []any{b})
	}
	mirror, _ := mirrorModule(t, nil)
	seeds["FuzzParseWasm"] = append(seeds["FuzzParseWasm"], []any{mirror}, []any{[]byte("\x00asm\x01\x00\x00\x00")}, []any{[]byte("\x00asm\x01\x00\x00\x00\x02\x07\x01\x01a\x01b\x02\x00")})

	for _, l := range [][]byte{
		line("", "OPENAI_API_KEY", runtime.OutcomeGranted),
		line("", "<invalid>", runtime.OutcomeInvalid),
		[]byte(auditLine(t0, "egress", "alice", "fetcher", "OPENAI_API_KEY", runtime.OutcomeRefused, "https://evil.example:443", "host_not_allowed")),
		[]byte(`{"time":"2025-05-01T10:00:00Z","profile":"p","module":"m","outcome":"granted","future_field":[1,2]}`),
		[]byte(`{"time":"nope"}`),
		[]byte(`{}`),
	} {
		seeds["FuzzDecodeAuditLine"] = append(seeds["FuzzDecodeAuditLine"], []any{l})
	}
	log := bytes.Join([][]byte{line("", "A", runtime.OutcomeGranted), line("", "B", runtime.OutcomeDenied), []byte("garbage"), {}, line("egress", "C", runtime.OutcomeAllowed)}, []byte("\n"))
	seeds["FuzzSummarizeAuditLog"] = [][]any{{log, ""}, {log, "alice"}, {[]byte("\n\n\n"), ""}, {[]byte{}, "bob"}}

	// Small reports: the home's default profile only (one module).
	home := runtimetest.SampleHome(t)
	small := func() *Report {
		rep, err := Audit(context.Background(), Options{Home: home, Profiles: []string{"default"}, StaticOnly: true, Version: "seed", Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	static := render(t, small(), FormatJSON)
	withSuite := small()
	withSuite.StaticOnly = false
	withSuite.Suite = &SuiteReport{Targets: []TargetReport{{ID: "t1", Profiles: []string{"alice"}, Limits: limitsReport(runtime.DefaultLimits())}},
		Rows:      []RowReport{{ID: "loop.go", Target: "t1", Tried: "t", Expected: "e", Observed: "o", Result: suite.ResultPass, DurationMS: 1}, {ID: "x", Tried: "t", Expected: "e", Observed: "o", Result: suite.ResultFail, Reason: "r"}},
		Neighbour: NeighbourReport{Profile: "neighbour", Calls: 3, P50MS: 1, P99MS: 2, MaxMS: 3}}
	withSuite.finish()
	seeds["FuzzParseReport"] = [][]any{{[]byte(static)}, {[]byte(render(t, withSuite, FormatJSON))}, {[]byte(`{"schema":"wasmgw.audit/v1"}`)}}

	outputs := [][]any{
		{byte(0), []byte(`{"ok":true}`)},
		{byte(0), []byte(`"` + mirrorValue + `"`)},
		{byte(0), []byte(`not json`)},
		{byte(0), []byte{}},
		{byte(1), []byte(`{"code":"denied","message":"leaking ` + mirrorValue + `"}`)},
		{byte(1), []byte(`{"code":"","message":"no code"}`)},
		{byte(1), []byte(`plain text error`)},
		{byte(7), []byte(`{"code":"x"}`)},
		{byte(0), bytes.Repeat([]byte("a"), mirrorMaxOutput+1)},
	}
	seeds["FuzzToolOutput"] = outputs
	seeds["FuzzCallResult"] = outputs

	for _, m := range []string{
		`{"abi":1,"tools":[{"name":"mirror"}]}`,
		`{"abi":1,"tools":[]}`,
		`{"abi":2,"tools":[{"name":"mirror"}]}`,
		`{"abi":1,"tools":[{"name":"a"},{"name":"a"}]}`,
		`{"abi":1,"tools":[{"name":"a","description":"d","input_schema":{"type":"object"}}]}`,
		`{"ABI":1,"Tools":[{"Name":"upper"}]}`,
		`{"abi":1,"tools":[{"name":""},{"name":"../x y\u0000"}]}`,
		`not json`,
		``,
	} {
		seeds["FuzzManifest"] = append(seeds["FuzzManifest"], []any{[]byte(m)})
	}
	return seeds
}

func TestWriteSeedCorpora(t *testing.T) {
	if os.Getenv("WASMGW_WRITE_SEEDS") == "" {
		t.Skip("set WASMGW_WRITE_SEEDS=1 to regenerate testdata/fuzz")
	}
	for name, inputs := range seedCorpora(t) {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
		for _, p := range old {
			_ = os.Remove(p)
		}
		for i, args := range inputs {
			var b strings.Builder
			b.WriteString("go test fuzz v1\n")
			for _, a := range args {
				b.WriteString(corpusValue(a) + "\n")
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestEveryFuzzTargetHasASeedCorpus keeps the corpora and the targets in
// step.
func TestEveryFuzzTargetHasASeedCorpus(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(src, -1) {
			n++
			seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", string(m[1]), "seed-*"))
			if len(seeds) == 0 {
				t.Errorf("%s has no seed corpus in testdata/fuzz/%s (WASMGW_WRITE_SEEDS=1 go test -run TestWriteSeedCorpora)", m[1], m[1])
			}
		}
	}
	if n < 7 { // FuzzScan lives in internal/refscan
		t.Errorf("found %d fuzz targets", n)
	}
}

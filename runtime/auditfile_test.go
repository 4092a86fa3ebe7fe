package runtime_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/runtime"
)

func readAuditFile(t *testing.T, path string) []runtime.AuditRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []runtime.AuditRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r runtime.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v: %q", path, err, sc.Text())
		}
		out = append(out, r)
	}
	return out
}

// flood writes n records of each profile, interleaved, noisy's 10 times
// as many.
func floodAudit(a *runtime.JSONLAudit, n int) {
	rec := func(p string, i int) runtime.AuditRecord {
		return runtime.AuditRecord{Time: time.Unix(1700000000, 0).UTC(), Profile: p, Module: "m", ModuleSHA256: "00", Name: fmt.Sprintf("NAME_%05d", i), Outcome: runtime.OutcomeGranted}
	}
	for i := range n {
		a.Audit(rec("quiet", i))
		a.Audit(rec("other", i))
		for j := range 10 {
			a.Audit(rec("noisy", 10*i+j))
		}
	}
}

func TestAuditFileIsBoundedAndCountsWhatItDrops(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	// noisy sends about 450 KB, over its 64 KB share; quiet and other
	// 45 KB each, within theirs.
	opts := runtime.AuditFileOptions{MaxBytes: 16 << 10, Keep: 1000, MaxProfileBytes: 64 << 10}
	a, err := runtime.OpenJSONLAuditWith(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	floodAudit(a, 300)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	files := []string{path}
	for i := 1; ; i++ {
		p := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(p); err != nil {
			break
		}
		files = append(files, p)
	}
	if len(files) < 5 {
		t.Fatalf("%d files: the trail did not rotate", len(files))
	}
	written := map[string]int{}
	var markers, closing uint64
	countedFrom := -1 // the newest file that starts without noisy's count
	for i, p := range files {
		st, _ := os.Stat(p)
		// A file passes MaxBytes only by a running count at its start.
		if st.Size() > opts.MaxBytes+1<<10 {
			t.Errorf("%s is %d bytes, over the bound %d", p, st.Size(), opts.MaxBytes)
		}
		recs := readAuditFile(t, p)
		for j, r := range recs {
			switch {
			case r.Kind != runtime.AuditKindDropped:
				written[r.Profile]++
			case r.Profile != "noisy":
				t.Errorf("a dropped record for %s, which stayed within its share", r.Profile)
			case r.Dropped == 0:
				markers++
			case j > 0 || i == 0 && j == len(recs)-1:
				closing += r.Dropped
			}
		}
		if recs[0].Kind != runtime.AuditKindDropped && countedFrom < 0 {
			countedFrom = i
		}
	}
	// Nothing is lost without a count: written + counted = sent.
	if got := uint64(written["noisy"]) + closing; got != 3000 {
		t.Errorf("noisy: %d written + %d counted = %d, want the 3000 sent", written["noisy"], closing, got)
	}
	if markers != 1 {
		t.Errorf("%d notes that noisy's records are being dropped, want 1", markers)
	}
	if written["quiet"] != 300 || written["other"] != 300 {
		t.Errorf("profiles within their share lost records: %v", written)
	}
	// Every file newer than noisy's first drop starts with its running
	// count.
	if countedFrom <= 0 {
		t.Errorf("no file starts with noisy's running count of dropped records (first uncounted: %d of %d)", countedFrom, len(files))
	}
}

func TestAuditFileKeepsNRotations(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := runtime.OpenJSONLAuditWith(path, runtime.AuditFileOptions{MaxBytes: 4 << 10, Keep: 2, MaxProfileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	floodAudit(a, 200)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%v", err)
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Error("a third rotated file was kept (Keep: 2)")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

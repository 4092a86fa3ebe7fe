package interp

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/wasmgw/wasmgw/guest"
)

// remembers reports whether the request s is remembered.
func (m *memo) remembers(s []byte) bool {
	for _, sd := range m.scans {
		if sd != nil && sd.ok && bytes.Equal(sd.in, s) {
			return true
		}
	}
	return false
}

// scopes are the scopes FuzzMemoMatchesServe's calls take turns with, so
// that a remembered request meets its variables set, unset, failing and
// invalid in turn: fuzzVars; every name set to a value that needs
// escaping; no name set; fuzzVars without its invalid UTF-8 values. FAIL
// fails in every scope.
var scopes = []func(name string) (string, bool){
	func(name string) (string, bool) { v, ok := fuzzVars[name]; return v, ok },
	func(name string) (string, bool) { return name + "\"é\t", true },
	func(string) (string, bool) { return "", false },
	func(name string) (string, bool) {
		v, ok := fuzzVars[name]
		return v, ok && utf8.ValidString(v)
	},
}

// scopeRecorder is recorder over scopes[k].
func scopeRecorder(calls *[]string, k int) Lookup {
	return func(name string) (string, bool, error) {
		*calls = append(*calls, name)
		if name == "FAIL" {
			return "", false, errFuzzHost
		}
		v, ok := scopes[k%len(scopes)](name)
		return v, ok, nil
	}
}

// FuzzMemoMatchesServe holds a Server (the wasm export's state) to a fresh
// Serve: whatever sequence of requests it serves, in whatever scopes, each
// answer, error and lookup is what Serve gives for that request alone. A
// request served again is answered from its plan (plan.go).
func FuzzMemoMatchesServe(f *testing.F) {
	f.Add([]byte(`{"server":"s","entry":{"a":"${A}","b":["x${B}y",1]}}`), []byte(`{"server":"t","entry":{"a":"${B}"}}`), uint16(0x1234))
	f.Add([]byte(`{"server":"s","entry":{"a":"\u0024{A}"}}`), []byte(`{"server":"s","entry":{"a":}}`), uint16(0xffff))
	f.Add([]byte(`{"entry":{"k":"${ env:A }"}}`), []byte(`{"entry":{"k":"${A"}}`), uint16(7))
	f.Add([]byte(`{"entry":{"a":"${H1}${H2}","b":["${BAD}","${ A}"],"${E}":"${MY_MCP_TOKEN}${E}${A:-x}"}}`),
		[]byte(`{"entry":{"a":"${A}","b":"${FAIL}"}}`), uint16(0x0123))
	f.Fuzz(func(t *testing.T, a, b []byte, order uint16) {
		reqs := [][]byte{a, b, append(bytes.Clone(a), ' '), []byte(`{"entry":{"c":"${C}${A}"}}`), []byte(`{"entry":{}}`)}
		st := &Server{}
		for step := range 16 {
			req := reqs[int(order>>(step%8*2)&3+uint16(step/8))%len(reqs)]
			var gotCalls, wantCalls []string
			scope := int(order>>(step%4*4)) + step/4
			got, gotErr := st.Serve(req, scopeRecorder(&gotCalls, scope))
			want, wantErr := Serve(req, scopeRecorder(&wantCalls, scope))
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) || !reflect.DeepEqual(gotCalls, wantCalls) {
				t.Fatalf("step %d, %q: remembered %q %v %q, fresh %q %v %q", step, req, got, gotErr, gotCalls, want, wantErr, wantCalls)
			}
			if wantErr == nil && len(req) <= memoMaxLen && !st.st.memo.remembers(req) {
				t.Fatalf("step %d: %q served but not remembered", step, req)
			}
		}
	})
}

// TestMemoLooksValuesUpEachCall: a remembered request is resolved with the
// values of the call, not those of the call that scanned it, and its
// references are reported again.
func TestMemoLooksValuesUpEachCall(t *testing.T) {
	st := &Server{}
	req := []byte(`{"server":"s","entry":{"token":"${TOKEN}","x":"${GONE}"}}`)
	for i, scope := range []map[string]string{
		{"TOKEN": "first", "GONE": "here"},
		{"TOKEN": "second"},
		{"TOKEN": "third", "GONE": "back"},
	} {
		got, err := st.Serve(req, vars(scope))
		want, _ := Serve(req, vars(scope))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("call %d: %s, %v; want %s", i, got, err, want)
		}
		if !strings.Contains(string(got), `"token":"`+scope["TOKEN"]+`"`) {
			t.Fatalf("call %d: %s lacks the call's value", i, got)
		}
	}
}

// TestMemoBounds: the memo remembers the last memoSize requests scanned
// without error and no longer than memoMaxLen, and a host error in a
// remembered request is still an error.
func TestMemoBounds(t *testing.T) {
	st := &Server{}
	lookup := vars(map[string]string{"A": "a"})
	req := func(i int) []byte { return fmt.Appendf(nil, `{"server":"s%d","entry":{"a":"${A}"}}`, i) }
	for i := range memoSize + 1 {
		if _, err := st.Serve(req(i), lookup); err != nil {
			t.Fatal(err)
		}
	}
	if st.st.memo.remembers(req(0)) {
		t.Error("the least recently used request is still remembered")
	}
	for i := 1; i <= memoSize; i++ {
		if !st.st.memo.remembers(req(i)) {
			t.Errorf("request %d is forgotten", i)
		}
	}
	// A hit makes a request the most recently used.
	if _, err := st.Serve(req(1), lookup); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Serve(req(9), lookup); err != nil {
		t.Fatal(err)
	}
	if !st.st.memo.remembers(req(1)) || st.st.memo.remembers(req(2)) {
		t.Error("a hit did not make its request the most recent")
	}

	long := []byte(`{"server":"s","entry":{"a":"${A}","pad":"` + strings.Repeat("x", memoMaxLen) + `"}}`)
	if _, err := st.Serve(long, lookup); err != nil {
		t.Fatal(err)
	}
	if st.st.memo.remembers(long) {
		t.Error("a request longer than memoMaxLen is remembered")
	}
	bad := []byte(`{"server":"s","entry":{"a":"${A}"},"extra":1}`)
	if _, err := st.Serve(bad, lookup); err == nil || st.st.memo.remembers(bad) {
		t.Errorf("bad request: %v, remembered %v", err, st.st.memo.remembers(bad))
	}

	// A request within memoMaxLen whose answer is much longer (each
	// reference's path holds a long key) is remembered but not planned.
	var b strings.Builder
	b.WriteString(`{"server":"s","entry":{"` + strings.Repeat("k", 1000) + `":[`)
	for i := range 2000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"${A}"`)
	}
	b.WriteString(`]}}`)
	wide := []byte(b.String())
	for range 2 {
		got, err := st.Serve(wide, lookup)
		want, _ := Serve(wide, lookup)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("a request with a long answer: %.80s, %v", got, err)
		}
	}
	if sd := st.st.memo.scans[0]; !st.st.memo.remembers(wide) || !sd.tried || sd.planned || cap(sd.plan.text) != 0 {
		t.Errorf("a request with a long answer: remembered %v, planned %v, plan text kept %d bytes", st.st.memo.remembers(wide), sd.planned, cap(sd.plan.text))
	}

	hostErr := errors.New("refused")
	_, err := st.Serve(req(9), func(string) (string, bool, error) { return "", false, hostErr })
	var ge *guest.Error
	if !errors.As(err, &ge) || ge.Code != "interpolate_failed" {
		t.Errorf("host error on a remembered request: %v", err)
	}
}

// TestServerWipesValues: once Serve returns, no byte of a value looked up
// is left in the Server's buffers, remembered scan or not.
func TestServerWipesValues(t *testing.T) {
	const secret = "s3cr3t-value-\xff-0123456789" // not valid UTF-8: the whole-string path too
	st := &Server{}
	for _, req := range []string{
		`{"server":"s","entry":{"a":"x${TOKEN}y","b":"${TOKEN}"}}`,
		`{"server":"s","entry":{"a":"x${TOKEN}y","b":"${TOKEN}"}}`, // remembered
	} {
		out, err := st.Serve([]byte(req), vars(map[string]string{"TOKEN": secret}))
		if err != nil || !strings.Contains(string(out), "s3cr3t-value") {
			t.Fatalf("Serve: %s, %v", out, err)
		}
		for name, buf := range map[string][]byte{"out": st.st.out, "vals": st.st.r.vals, "buf": st.st.r.buf} {
			if bytes.Contains(buf[:cap(buf)], []byte("s3cr3t")) {
				t.Errorf("%s holds the value after Serve", name)
			}
		}
		for _, sd := range st.st.memo.scans {
			if sd != nil && bytes.Contains(sd.in[:cap(sd.in)], []byte("s3cr3t")) {
				t.Error("the memo holds the value")
			}
		}
	}
}

// TestMemoHolds measures what an instance keeps per remembered request
// (docs/performance.md, "Planned answers"), for an entry shaped as the
// runtime's BenchmarkInterpolate entry (2.5 KB, 20 references), and holds
// it to a bound: the scan and the plan together at most eight times the
// request.
func TestMemoHolds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"server":"s","entry":{"command":"npx","args":["-y","@modelcontextprotocol/server-github","--verbose"],"env":{`)
	for i := range 20 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"SETTING_%02d":"prefix-${VAR_%02d}-suffix with some ordinary text around it to make it realistic %02d"`, i, i, i)
	}
	b.WriteString(`},"headers":{"User-Agent":"wasmgw-bench"},"tools":{"include":["a","b","c"]},"timeout":120,"connect_timeout":30,`)
	fmt.Fprintf(&b, `"description":%q}}`, strings.Repeat("A description that pads the entry to a realistic size. ", 14))
	req := []byte(b.String())
	st := &Server{}
	lookup := func(string) (string, bool, error) { return "value-00-0123456789abcdef", true, nil }
	for range 2 { // the second call plans
		if _, err := st.Serve(req, lookup); err != nil {
			t.Fatal(err)
		}
	}
	sd := st.st.memo.scans[0]
	if !sd.planned {
		t.Fatal("the request was not planned")
	}
	sc, p := &sd.sc, &sd.plan
	scan := cap(sd.in) + cap(sc.edits)*int(unsafe.Sizeof(edit{})) + cap(sc.paths) +
		cap(sc.parts)*int(unsafe.Sizeof(part{})) + cap(sc.stack)*int(unsafe.Sizeof(frame{}))
	planned := cap(p.text) + cap(p.holes)*int(unsafe.Sizeof(hole{})) +
		cap(p.names)*int(unsafe.Sizeof(planName{})) + cap(p.refs)*int(unsafe.Sizeof(planRef{}))
	t.Logf("request %d bytes; kept: request and scan %d bytes, plan %d bytes (text %d, %d holes, %d names)",
		len(req), scan, planned, len(p.text), len(p.holes), len(p.names))
	if scan+planned > 8*len(req) {
		t.Errorf("an instance keeps %d bytes for a request of %d", scan+planned, len(req))
	}
}

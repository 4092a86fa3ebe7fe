package interp

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
)

// fuzzVars is the scope of the differential fuzz targets: values with
// references of their own, characters JSON escapes, HTML characters,
// invalid UTF-8 (alone and halves of a character), an empty value, and a
// name whose lookup fails.
var fuzzVars = map[string]string{
	"A":            "va${B}",
	"B":            "vb",
	"MY_MCP_TOKEN": "tok\"\\\n\t\x01<&>\u2028",
	"E":            "",
	"BAD":          "x\xff",
	"H1":           "\xe2\x82",
	"H2":           "\xac",
	"my.var":       "dotted",
}

var errFuzzHost = errors.New("host function secret_get: budget (-6)")

// recorder is a Lookup over fuzzVars that records its calls; FAIL fails.
func recorder(calls *[]string) Lookup {
	return func(name string) (string, bool, error) {
		*calls = append(*calls, name)
		if name == "FAIL" {
			return "", false, errFuzzHost
		}
		v, ok := fuzzVars[name]
		return v, ok, nil
	}
}

func addScannerSeeds(f *testing.F) {
	for _, s := range []string{
		`{"command":"npx","env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}"},"args":["${env:A}",1,null]}`,
		`{"a":"${A${B}}","b":"$${A}","c":"${A:-x}","${A}":"${ A }"}`,
		`{"x":[{"y":[true,false,1e10,-0.5]}],"z":"\u00e9\ud83d\ude00 ${A}"}`,
		`"just a string ${A}"`,
		`{"a":"\u2028${A}\u0000"}`,
		"2" + strings.Repeat("0", 400),
		` { "a" : [ 1 , "x\/y\b\f" ] , "k\u0041" : { } , "e" : [ ] } `,
		`{"a":"\u0024{A}","b":"\ud800\u0041","c":"\udc00","d":"\ud83d\ud83d\ude00","e":"\u001F\u000a"}`,
		"{\"a\":\"\xff${A}\xe2\x82\",\"\xfe\":\"${B}\"}",
		`{"a":"${H1}${H2}","b":"${BAD}-${A}","c":"${H1}x${E}"}`,
		`{"a":"${E}","b":"${FAIL}","c":"${A}"}`,
		`{"a":{"b.c":{"":["${A}",["${B}"]]}},"X-Key":"${my.var}"}`,
		`{"a":-0,"b":0.5e-3,"c":1E+2,"d":[01]}`,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":1}}`, `{"a":1} x`,
		strings.Repeat("[", 64) + `"${A}"` + strings.Repeat("]", 64),
		strings.Repeat("[", 65) + `"${A}"` + strings.Repeat("]", 65),
		`{"a":"${A}","b":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `,"c":"${B}"}`,
		`{"a":"${FAIL}","b":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		f.Add([]byte(s))
	}
}

// FuzzScannerMatchesReference is the differential check of the scanner:
// Resolve must return what the encoding/json walker it replaced returns
// (ref_test.go), byte for byte, with the same references and, for valid
// JSON, the same lookups in the same order and the same errors; Serve must
// answer what the old Serve answered, except that it also refuses data
// after the request.
func FuzzScannerMatchesReference(f *testing.F) {
	addScannerSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		var gotCalls, wantCalls []string
		got, gotErr := Resolve(in, recorder(&gotCalls))
		want, wantErr := refResolve(in, recorder(&wantCalls))
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Resolve(%q): err %v, reference %v", in, gotErr, wantErr)
		}
		if json.Valid(in) {
			if gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("Resolve(%q): err %q, reference %q", in, gotErr, wantErr)
			}
			if !reflect.DeepEqual(gotCalls, wantCalls) {
				t.Fatalf("Resolve(%q): lookups %q, reference %q", in, gotCalls, wantCalls)
			}
		} else if len(gotCalls) > 0 {
			t.Fatalf("Resolve(%q): looked up %q in invalid JSON", in, gotCalls)
		}
		if gotErr == nil {
			if !bytes.Equal(got.Entry, want.Entry) {
				t.Fatalf("Resolve(%q):\n got %q\nwant %q", in, got.Entry, want.Entry)
			}
			if !reflect.DeepEqual(got.Refs, want.Refs) {
				t.Fatalf("Resolve(%q): refs\n got %+v\nwant %+v", in, got.Refs, want.Refs)
			}
		}

		// The same entry in a request envelope.
		req := append(append([]byte(`{"server":"s","entry":`), in...), '}')
		compareServe(t, req)
		compareServe(t, in)
	})
}

func compareServe(t *testing.T, req []byte) {
	t.Helper()
	var gotCalls, wantCalls []string
	got, gotErr := Serve(req, recorder(&gotCalls))
	want, wantErr := refServe(req, recorder(&wantCalls))
	code := func(err error) string {
		var ge *guest.Error
		if errors.As(err, &ge) {
			return ge.Code
		}
		if err != nil {
			return "other: " + err.Error()
		}
		return ""
	}
	if code(gotErr) != code(wantErr) {
		if wantErr == nil && code(gotErr) == "bad_input" && trailing(req) {
			return // the old Serve ignored data after the request
		}
		t.Fatalf("Serve(%q): err %v, reference %v", req, gotErr, wantErr)
	}
	if !reflect.DeepEqual(gotCalls, wantCalls) {
		t.Fatalf("Serve(%q): lookups %q, reference %q", req, gotCalls, wantCalls)
	}
	if gotErr != nil {
		if code(gotErr) == "interpolate_failed" && gotErr.Error() != wantErr.Error() {
			t.Fatalf("Serve(%q): err %q, reference %q", req, gotErr, wantErr)
		}
		return
	}
	var g, w abi.InterpolateResult
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("Serve(%q): output %q: %v", req, got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	var esc bytes.Buffer
	json.HTMLEscape(&esc, g.Entry) // the old Serve escaped HTML characters
	if !bytes.Equal(esc.Bytes(), w.Entry) || !reflect.DeepEqual(g.Refs, w.Refs) {
		t.Fatalf("Serve(%q):\n got %s\nwant %s", req, got, want)
	}
}

// trailing reports whether req holds one JSON value followed by more
// than whitespace.
func trailing(req []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(req))
	var v any
	if dec.Decode(&v) != nil {
		return false
	}
	return len(bytes.TrimSpace(req[dec.InputOffset():])) > 0
}

func TestServeEnvelope(t *testing.T) {
	lookup := vars(map[string]string{"A": "a"})
	for in, want := range map[string]string{
		`{"server":"s","entry":{"x":"${A}"}}`:                       `{"entry":{"x":"a"},"refs":[{"path":"x","name":"A","outcome":"resolved"}]}`,
		` { "entry" : { "x" : "y" } , "server" : "s" } `:            `{"entry":{"x":"y"}}`,
		`{"SERVER":"s","Entry":{"x":1}}`:                            `{"entry":{"x":1}}`,
		`{"server":null,"entry":{}}`:                                `{"entry":{}}`,
		`{"entry":{"a":"${A}"},"entry":{"b":"${A}"}}`:               `{"entry":{"b":"a"},"refs":[{"path":"b","name":"A","outcome":"resolved"}]}`,
		`{"server":"s\u00e9","entry":{"x":"${UNSET}"}}`:             `{"entry":{"x":"${UNSET}"},"refs":[{"path":"x","name":"UNSET","outcome":"unset","literal":"${UNSET}"}]}`,
		"{\"server\":\"a\",\"entry\":{\"\\u0041\":\"\\u0024{A}\"}}": `{"entry":{"A":"a"},"refs":[{"path":"A","name":"A","outcome":"resolved"}]}`,
	} {
		out, err := Serve([]byte(in), lookup)
		if err != nil || string(out) != want {
			t.Errorf("Serve(%s) = %s, %v; want %s", in, out, err, want)
		}
	}
	for _, bad := range []string{
		`{"server":"s","entry":{},"extra":1}`,   // unknown field
		`{"server":"s","entry":{},"serverx":1}`, // unknown field
		`{"server":"s","entry":{}} {}`,          // trailing data
		`{"server":"s","entry":{}}x`,            // trailing data
		`{"server":"s","entry":[1]}`,            // not an object
		`{"server":"s","entry":"x"}`,            // not an object
		`{"server":"s","entry":null}`,           // not an object
		`{"server":"s"}`,                        // no entry
		`null`,                                  // no entry
		`[]`, `"x"`, `1`, ``, `nope`,            // not an object
		`{"server":1,"entry":{}}`,             // server not a string
		`{"server":"s","entry":{"a":}}`,       // invalid entry
		`{"server":"s","entry":{"a":"${A}"} `, // unterminated
		`{"server":"s" "entry":{}}`,           // no comma
		`{"server":"s",}`,                     // trailing comma
	} {
		calls := 0
		_, err := Serve([]byte(bad), func(string) (string, bool, error) { calls++; return "", false, nil })
		var ge *guest.Error
		if !errors.As(err, &ge) || ge.Code != "bad_input" {
			t.Errorf("Serve(%s) = %v, want bad_input", bad, err)
		}
		if calls > 0 {
			t.Errorf("Serve(%s) looked variables up", bad)
		}
	}
}

func TestResolveIsCompactAndCanonical(t *testing.T) {
	in := " {\n \"k\\u0041\" : [ 1.50 , \"a\\/b\\u00e9\\ud83d\\ude00\\u001f\" , true ] ,\"\xff\": null } \n"
	res, err := Resolve([]byte(in), vars(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"kA\":[1.50,\"a/b\u00e9\U0001F600\\u001f\",true],\"\ufffd\":null}"
	if string(res.Entry) != want || res.Refs != nil {
		t.Errorf("got %q %v, want %q", res.Entry, res.Refs, want)
	}
}

func TestResolveDepth(t *testing.T) {
	ok := strings.Repeat("[", 64) + `"${A}"` + strings.Repeat("]", 64)
	if _, err := Resolve([]byte(ok), vars(map[string]string{"A": "a"})); err != nil {
		t.Errorf("64 levels: %v", err)
	}
	deep := `{"a":"${A}","b":` + strings.Repeat("[", 65) + `"${B}"` + strings.Repeat("]", 65) + `}`
	var calls []string
	_, err := Resolve([]byte(deep), func(n string) (string, bool, error) { calls = append(calls, n); return "v", true, nil })
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 64 levels") {
		t.Errorf("err = %v", err)
	}
	if !reflect.DeepEqual(calls, []string{"A"}) {
		t.Errorf("lookups %q, want those before the deep value", calls)
	}
	_, err = Serve([]byte(`{"server":"s","entry":`+deep+`}`), vars(nil))
	var ge *guest.Error
	if !errors.As(err, &ge) || ge.Code != "interpolate_failed" {
		t.Errorf("Serve: %v, want interpolate_failed", err)
	}
}

func TestResolveManyNames(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"a":"`)
	for i := range 100 {
		b.WriteString("${V" + string(rune('A'+i%26)) + string(rune('A'+i/26)) + "}${VAA}")
	}
	b.WriteString(`"}`)
	calls := map[string]int{}
	res, err := Resolve([]byte(b.String()), func(n string) (string, bool, error) { calls[n]++; return n, true, nil })
	if err != nil || len(res.Refs) != 200 {
		t.Fatalf("%d refs, %v", len(res.Refs), err)
	}
	for n, c := range calls {
		if c != 1 {
			t.Errorf("%s looked up %d times", n, c)
		}
	}
}

func TestAppendStringMatchesReference(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\r\t\x00\x1f\x7f", "é\U0001F600\u2028<&>", "\xff\xe2\x82", strings.Repeat("0123456789\"", 20)} {
		if got, want := appendString(nil, s), refAppendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %q, want %q", s, got, want)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"command":"npx","args":["-y","@modelcontextprotocol/server-github"],"env":{`)
	m := map[string]string{}
	for i := range 20 {
		if i > 0 {
			sb.WriteByte(',')
		}
		n := "VAR_" + string(rune('A'+i))
		sb.WriteString(`"SETTING_` + n + `":"prefix-${` + n + `}-suffix with some ordinary text around it to make it realistic"`)
		m[n] = "value-0123456789abcdef"
	}
	sb.WriteString(`},"timeout":120}`)
	in := []byte(sb.String())
	lookup := vars(m)
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Resolve(in, lookup); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refResolve(in, lookup); err != nil {
				b.Fatal(err)
			}
		}
	})
}

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

// vars is a Lookup over a map; "" values are present but empty.
func vars(m map[string]string) Lookup {
	return func(name string) (string, bool, error) {
		v, ok := m[name]
		return v, ok, nil
	}
}

func TestResolveReferenceCases(t *testing.T) {
	scope := map[string]string{
		"MY_MCP_TOKEN": "mcp-test-alice-c0ffee",
		"X":            "ex",
		"OUTER":        "has ${MY_MCP_TOKEN} inside",
		"EMPTY_ONE":    "",
		"my.var":       "dotted",
		"MY-VAR":       "dashed",
	}
	entry := `{"command":"npx","args":["-y","${X}",7,true,null],` +
		`"env":{"TOKEN":"${MY_MCP_TOKEN}","CURSOR":"${env:X}","SPACED":"${ env: X }","MISSING":"${UNSET}",` +
		`"EMPTY":"${EMPTY_ONE}","NESTED":"${OUTER}","${MY_MCP_TOKEN}":"key untouched","SHELL":"${X:-default}",` +
		`"BARE":"${}","OPEN":"a ${X","TWO":"${X}-${X}","DOT":"${my.var}","DASH":"${MY-VAR}"},` +
		`"timeout":120,"ratio":1.50,"enabled":false}`
	res, err := Resolve([]byte(entry), vars(scope))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"npx","args":["-y","ex",7,true,null],` +
		`"env":{"TOKEN":"mcp-test-alice-c0ffee","CURSOR":"ex","SPACED":"ex","MISSING":"${UNSET}",` +
		`"EMPTY":"${EMPTY_ONE}","NESTED":"has ${MY_MCP_TOKEN} inside","${MY_MCP_TOKEN}":"key untouched","SHELL":"${X:-default}",` +
		`"BARE":"${}","OPEN":"a ${X","TWO":"ex-ex","DOT":"dotted","DASH":"dashed"},` +
		`"timeout":120,"ratio":1.50,"enabled":false}`
	if string(res.Entry) != want {
		t.Errorf("entry\n got %s\nwant %s", res.Entry, want)
	}
	wantRefs := []abi.Reference{
		{Path: "args[1]", Name: "X", Outcome: abi.RefResolved},
		{Path: "env.TOKEN", Name: "MY_MCP_TOKEN", Outcome: abi.RefResolved},
		{Path: "env.CURSOR", Name: "X", Outcome: abi.RefResolved},
		{Path: "env.SPACED", Name: "X", Outcome: abi.RefResolved},
		{Path: "env.MISSING", Name: "UNSET", Outcome: abi.RefUnset, Literal: "${UNSET}"},
		{Path: "env.EMPTY", Name: "EMPTY_ONE", Outcome: abi.RefUnset, Literal: "${EMPTY_ONE}"},
		{Path: "env.NESTED", Name: "OUTER", Outcome: abi.RefResolved},
		{Path: "env.SHELL", Outcome: abi.RefUnsupported, Literal: "${X:-default}"},
		{Path: "env.BARE", Outcome: abi.RefUnsupported, Literal: "${}"},
		{Path: "env.TWO", Name: "X", Outcome: abi.RefResolved},
		{Path: "env.TWO", Name: "X", Outcome: abi.RefResolved},
		{Path: "env.DOT", Name: "my.var", Outcome: abi.RefResolved},
		{Path: "env.DASH", Name: "MY-VAR", Outcome: abi.RefResolved},
	}
	if !reflect.DeepEqual(res.Refs, wantRefs) {
		t.Errorf("refs\n got %+v\nwant %+v", res.Refs, wantRefs)
	}
}

func TestResolveLooksUpEachNameOnce(t *testing.T) {
	calls := map[string]int{}
	lookup := func(name string) (string, bool, error) {
		calls[name]++
		return "v", name == "A", nil
	}
	if _, err := Resolve([]byte(`{"a":"${A}${A}","b":["${A}","${B}","${B}"]}`), lookup); err != nil {
		t.Fatal(err)
	}
	if calls["A"] != 1 || calls["B"] != 1 {
		t.Errorf("lookups %v, want one per name", calls)
	}
}

func TestResolveStopsOnHostError(t *testing.T) {
	boom := errors.New("host function secret_get: budget (-6)")
	_, err := Resolve([]byte(`{"env":{"T":"${A}"}}`), func(string) (string, bool, error) { return "", false, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "env.T") {
		t.Errorf("err = %v, want the host error with the path", err)
	}
}

func TestPaths(t *testing.T) {
	res, err := Resolve([]byte(`{"headers":{"X.Api Key":"${A}","Authorization":"${A}"},"a":{"b":[["${A}"]]},"":"${A}"}`), vars(map[string]string{"A": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range res.Refs {
		paths = append(paths, r.Path)
	}
	want := []string{`headers["X.Api Key"]`, "headers.Authorization", "a.b[0][0]", `[""]`}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
}

func TestResolveRefusesBrokenJSON(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":}`, `{"a":1} {}`, `{"a":"x"]`, strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		if _, err := Resolve([]byte(in), vars(nil)); err == nil {
			t.Errorf("Resolve(%q) accepted", in)
		}
	}
}

func TestServe(t *testing.T) {
	out, err := Serve([]byte(`{"server":"github","entry":{"env":{"T":"${A}"}}}`), vars(map[string]string{"A": "<&>"}))
	if err != nil {
		t.Fatal(err)
	}
	var res abi.InterpolateResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	var entry struct{ Env map[string]string }
	if err := json.Unmarshal(res.Entry, &entry); err != nil || entry.Env["T"] != "<&>" {
		t.Errorf("entry %s (%v)", res.Entry, err)
	}
	for _, bad := range []string{`{"server":"s","entry":[1]}`, `{"server":"s"}`, `{"server":"s","entry":{},"extra":1}`, `nope`} {
		_, err := Serve([]byte(bad), vars(nil))
		var ge *guest.Error
		if !errors.As(err, &ge) || ge.Code != "bad_input" {
			t.Errorf("Serve(%s) = %v, want bad_input", bad, err)
		}
	}
}

func TestSecretLookupOutsideAHost(t *testing.T) {
	if _, _, err := SecretLookup("X"); !errors.Is(err, guest.ErrNoHost) {
		t.Errorf("err = %v, want ErrNoHost", err)
	}
	if Exported {
		t.Error("a native build must not claim the export")
	}
}

// FuzzResolve checks the walker's invariants on arbitrary entries: it never
// panics; what it returns is valid JSON with the same keys, and, when the
// input holds no reference, the same value.
func FuzzResolve(f *testing.F) {
	f.Add([]byte(`{"command":"npx","env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}"},"args":["${env:A}",1,null]}`))
	f.Add([]byte(`{"a":"${A${B}}","b":"$${A}","c":"${A:-x}","${A}":"${ A }"}`))
	f.Add([]byte(`{"x":[{"y":[true,false,1e10,-0.5]}],"z":"\u00e9\ud83d\ude00 ${A}"}`))
	f.Add([]byte(`"just a string ${A}"`))
	f.Add([]byte(`{"a":"\u2028${A}\u0000"}`))
	f.Add([]byte("2" + strings.Repeat("0", 400))) // a number no float64 holds
	lookup := vars(map[string]string{"A": "va${B}", "B": "vb", "MY_MCP_TOKEN": "tok\"\\\n"})
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := Resolve(in, lookup)
		if err != nil {
			return
		}
		if !json.Valid(res.Entry) {
			t.Fatalf("invalid output %q for %q", res.Entry, in)
		}
		before, err := decodeNumbers(in)
		if err != nil {
			t.Fatalf("accepted invalid JSON %q: %v", in, err)
		}
		after, err := decodeNumbers(res.Entry)
		if err != nil {
			t.Fatal(err)
		}
		if !sameShape(before, after) {
			t.Fatalf("shape changed: %q -> %q", in, res.Entry)
		}
		if !bytes.Contains(in, []byte("${")) && !reflect.DeepEqual(before, after) && !bytes.Contains(in, []byte(`\u`)) {
			t.Fatalf("changed without a reference: %q -> %q", in, res.Entry)
		}
		for _, r := range res.Refs {
			if r.Outcome == abi.RefResolved && !validName(r.Name) || r.Outcome != abi.RefResolved && !strings.HasPrefix(r.Literal, "${") {
				t.Fatalf("bad reference %+v", r)
			}
		}
	})
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func sameShape(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !sameShape(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameShape(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		_, ok := b.(string)
		return ok
	}
	return reflect.DeepEqual(a, b)
}

package runtime

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
)

const sampleEntry = `{"command":"npx","args":["-y","${X}",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true}`

func TestValidateInterpolationAcceptsAFaithfulResult(t *testing.T) {
	out := `{"entry":{"enabled":true,"env":{"F":"fixed","M":"${UNSET}","TOKEN":"tok"},"args":["-y","ex",3.0],"command":"npx"},` +
		`"refs":[{"path":"args[1]","name":"X","outcome":"resolved"},{"path":"env.TOKEN","name":"MY_MCP_TOKEN","outcome":"resolved"},` +
		`{"path":"env.M","name":"UNSET","outcome":"unset","literal":"${UNSET}"}]}`
	res, v, err := validateInterpolation(json.RawMessage(sampleEntry), []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if v.At("env.TOKEN").Str != "tok" || len(res.Refs) != 3 || !json.Valid(res.Entry) {
		t.Errorf("%s %+v", res.Entry, res.Refs)
	}
}

func TestValidateInterpolationRefusals(t *testing.T) {
	const secret = "tok-secret-must-not-show"
	unchanged := `"command":"npx","args":["-y","${X}",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true`
	for out, want := range map[string]string{
		``:                                    "not an interpolation result",
		`{"entry":{` + unchanged + `}} {}`:    "trailing data",
		`{}`:                                  "no entry",
		`{"entry":"` + secret + `"}`:          "the entry is a string, not a mapping",
		`{"entry":{` + unchanged + `,"x":1}}`: "the entry changed shape",
		`{"entry":{"command":"npx","args":["-y","${X}"],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true}}`:                                                                      "changed shape at args",
		`{"entry":{"command":"npx","args":["-y","${X}",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":"true"}}`:                                                                  "changed shape at enabled",
		`{"entry":{"command":"npx","args":["-y","${X}",4],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true}}`:                                                                    "changed shape at args[2]",
		`{"entry":{"command":"` + secret + `","args":["-y","${X}",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true}}`:                                                         "command changed but no reference",
		`{"entry":{"command":"npx","args":["-y","${X}",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"` + secret + `"},"enabled":true},"refs":[{"path":"env.F","name":"X","outcome":"resolved"}]}`: "env.F holds no reference to resolve",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.TOKEN","name":"1BAD","outcome":"resolved"}]}`:                                                                                                    "needs a variable name",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.TOKEN","name":"X","outcome":"resolved","literal":"${X}"}]}`:                                                                                      "needs a variable name and no literal",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.M","name":"UNSET","outcome":"unset","literal":"` + secret + `"}]}`:                                                                               "must be a ${...} written in that field",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.M","name":"UNSET","outcome":"unset","literal":"${OTHER}"}]}`:                                                                                     "must be a ${...} written in that field",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.M","name":"X","outcome":"unsupported","literal":"${UNSET}"}]}`:                                                                                   "unsupported reference with a bad name",
		`{"entry":{` + unchanged + `},"refs":[{"path":"args[2]","name":"X","outcome":"unset","literal":"${X}"}]}`:                                                                                           "not a string field",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env","name":"X","outcome":"unset","literal":"${X}"}]}`:                                                                                               "not a string field",
		`{"entry":{` + unchanged + `},"refs":[{"path":"env.M","name":"UNSET","outcome":"maybe","literal":"${UNSET}"}]}`:                                                                                     "unknown outcome",
		`{"entry":{` + unchanged + `},"value":"` + secret + `"}`:                                                                                                                                            "not an interpolation result",
	} {
		_, _, err := validateInterpolation(json.RawMessage(sampleEntry), []byte(out))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n err = %v, want %q", out, err, want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows a value: %v", out, err)
		}
	}
}

func TestMaskTemplate(t *testing.T) {
	for _, tc := range []struct {
		s     string
		names []string
		want  string
	}{
		{"Bearer ${TOKEN}", []string{"TOKEN"}, "Bearer ***TOKEN"},
		{"${ env:A }-${B}-${C:-x}", []string{"A", "B"}, "***A-***B-${C:-x}"},
		{"${A}${UNSET}", []string{"A"}, "***A${UNSET}"},
		{"{{A}}", []string{"A"}, "***A"}, // a syntax of the module's own
	} {
		names := map[string]bool{}
		for _, n := range tc.names {
			names[n] = true
		}
		if got := maskTemplate(tc.s, names); got != tc.want {
			t.Errorf("maskTemplate(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// FuzzValidateInterpolation is the host side of the interpolation
// envelope: whatever a module returns for an entry, validation never
// panics, and what it accepts keeps the entry's shape, changes a string
// only where a reference was reported resolved, and masks to a display
// that holds no resolved value.
func FuzzValidateInterpolation(f *testing.F) {
	f.Add([]byte(sampleEntry), []byte(`{"entry":`+sampleEntry+`}`))
	f.Add([]byte(sampleEntry), []byte(`{"entry":{"command":"npx","args":["-y","v",3],"env":{"TOKEN":"t0k","M":"${UNSET}","F":"fixed"},"enabled":true},"refs":[{"path":"args[1]","name":"X","outcome":"resolved"},{"path":"env.TOKEN","name":"MY_MCP_TOKEN","outcome":"resolved"},{"path":"env.M","name":"UNSET","outcome":"unset","literal":"${UNSET}"}]}`))
	f.Add([]byte(`{"url":"https://${H}/x","headers":{"A b":"${T}"}}`), []byte(`{"entry":{"url":"https://h/x","headers":{"A b":"${T}"}},"refs":[{"path":"url","name":"H","outcome":"resolved"},{"path":"headers[\"A b\"]","outcome":"unsupported","literal":"${T}"}]}`))
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`), []byte(`{"entry":{"a":[1,2,{"b":null}]},"refs":null}`))
	f.Add([]byte(`{"a":"x"}`), []byte(`{"entry":[],"refs":[{}]}`))
	scope := newScope("p", "", map[string]string{"T": "t0k-secret-value"}, Globals{})
	f.Fuzz(func(t *testing.T, entry, out []byte) {
		orig, err := value.ParseJSON(entry)
		if err != nil || orig.Kind != value.Object {
			return
		}
		res, got, err := validateInterpolation(entry, out)
		if err != nil {
			return
		}
		if p, same := value.SameShape(orig, got); !same {
			t.Fatalf("accepted a result that changed shape at %q", p)
		}
		resolvedAt := map[string]bool{}
		for _, r := range res.Refs {
			if r.Outcome == abi.RefResolved {
				resolvedAt[r.Path] = true
			}
		}
		after := leafMap(got)
		for path, was := range leafMap(orig) {
			if after[path] != was && !resolvedAt[path] {
				t.Fatalf("accepted a change at %s without a resolved reference", path)
			}
		}
		masked := maskEntry(orig, res.Refs, scope)
		// The display is built from the entry as written: a value that
		// appears only in the resolved entry never reaches it.
		maskedLeaves := leafMap(masked)
		for path, v := range after {
			if v != leafMap(orig)[path] && len(v) >= 8 && !strings.Contains(string(entry), v) && strings.Contains(maskedLeaves[path], v) {
				t.Fatalf("the display of %s shows the resolved value", path)
			}
		}
	})
}

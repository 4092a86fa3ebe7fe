package runtime

// The validation this package had before its fast path, kept as the
// reference of FuzzValidateMatchesReference.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/value"
	"github.com/wasmgw/wasmgw/runtime/mcp"
)

func refValidateInterpolation(entry json.RawMessage, out []byte) (abi.InterpolateResult, *mcp.Value, error) {
	var none abi.InterpolateResult
	orig, err := value.ParseJSON(entry)
	if err != nil {
		return none, nil, fmt.Errorf("the request's entry: %v", err)
	}
	var res abi.InterpolateResult
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return none, nil, errors.New("not an interpolation result ({\"entry\":{...},\"refs\":[...]})")
	}
	if _, err := dec.Token(); err != io.EOF {
		return none, nil, errors.New("trailing data after the result")
	}
	if len(res.Entry) == 0 {
		return none, nil, errors.New("no entry")
	}
	got, err := value.ParseJSON(res.Entry)
	if err != nil {
		return none, nil, fmt.Errorf("the entry is not valid JSON (%s)", errKind(err))
	}
	if got.Kind != value.Object {
		return none, nil, fmt.Errorf("the entry is %s, not a mapping", got.Kind)
	}
	if p, same := value.SameShape(orig, got); !same {
		if p == "" {
			return none, nil, errors.New("the entry changed shape: keys were added or removed")
		}
		return none, nil, fmt.Errorf("the entry changed shape at %s (keys, lists and non-string values must stay as written)", p)
	}
	if len(res.Refs) > maxRefs {
		return none, nil, fmt.Errorf("more than %d references", maxRefs)
	}
	before, after := leafMap(orig), leafMap(got)
	resolvedAt := map[string]bool{}
	for i, r := range res.Refs {
		leaf, ok := before[r.Path]
		if !ok {
			return none, nil, fmt.Errorf("refs[%d]: %q is not a string field of the entry", i, clipPath(r.Path))
		}
		switch r.Outcome {
		case abi.RefResolved:
			if !abi.ValidSecretName(r.Name) || r.Literal != "" {
				return none, nil, fmt.Errorf("refs[%d] (%s): a resolved reference needs a variable name and no literal", i, r.Path)
			}
			if !strings.Contains(leaf, "${") {
				return none, nil, fmt.Errorf("refs[%d]: %s holds no reference to resolve", i, r.Path)
			}
			resolvedAt[r.Path] = true
		case abi.RefUnset, abi.RefUnsupported:
			if r.Outcome == abi.RefUnset && !abi.ValidSecretName(r.Name) || r.Outcome == abi.RefUnsupported && r.Name != "" {
				return none, nil, fmt.Errorf("refs[%d] (%s): an %s reference with a bad name", i, r.Path, r.Outcome)
			}
			if !strings.HasPrefix(r.Literal, "${") || !strings.HasSuffix(r.Literal, "}") || !strings.Contains(leaf, r.Literal) {
				return none, nil, fmt.Errorf("refs[%d] (%s): the literal of an %s reference must be a ${...} written in that field", i, r.Path, r.Outcome)
			}
		default:
			return none, nil, fmt.Errorf("refs[%d] (%s): unknown outcome (want %s, %s or %s)", i, r.Path, abi.RefResolved, abi.RefUnset, abi.RefUnsupported)
		}
	}
	for path, was := range before {
		if after[path] != was && !resolvedAt[path] {
			return none, nil, fmt.Errorf("%s changed but no reference there was reported resolved", path)
		}
	}
	res.Entry = got.JSON()
	return res, got, nil
}

// FuzzValidateMatchesReference checks validateInterpolation against the
// encoding/json validation it replaced: the same results accepted, decoded
// the same, and the same errors (when several fields changed without a
// resolved reference, either may be named).
func FuzzValidateMatchesReference(f *testing.F) {
	f.Add([]byte(sampleEntry), []byte(`{"entry":`+sampleEntry+`}`))
	f.Add([]byte(sampleEntry), []byte(`{"entry":{"command":"npx","args":["-y","v",3],"env":{"TOKEN":"t0k","M":"${UNSET}","F":"fixed"},"enabled":true},"refs":[{"path":"args[1]","name":"X","outcome":"resolved"},{"path":"env.TOKEN","name":"MY_MCP_TOKEN","outcome":"resolved"},{"path":"env.M","name":"UNSET","outcome":"unset","literal":"${UNSET}"}]}`))
	f.Add([]byte(sampleEntry), []byte(`{"Entry":{"enabled":true,"env":{"F":"fixed","M":"${UNSET}","TOKEN":"tok"},"args":["-y","ex",3.0],"command":"npx"},"REFS":[{"Path":"args[1]","name":"X","outcome":"resolved"},null,{"path":"env.TOKEN","name":"MY_MCP_TOKEN","outcome":"resolved"}],"refs":null}`))
	f.Add([]byte(sampleEntry), []byte(`{"entry":{"command":"x","args":["y","z",3],"env":{"TOKEN":"${MY_MCP_TOKEN}","M":"${UNSET}","F":"fixed"},"enabled":true},"refs":[]}`))
	f.Add([]byte(`{"url":"https://${H}/x","headers":{"A b":"${T}"}}`), []byte(`{"entry":{"url":"https://h/x","headers":{"A b":"${T}"}},"refs":[{"path":"url","name":"H","outcome":"resolved"},{"path":"headers[\"A b\"]","outcome":"unsupported","literal":"${T}"}]}`))
	f.Add([]byte(`{"a":[1,2,{"b":null}]}`), []byte(`{"entry":{"a":[1,2,{"b":null}]},"refs":null}`))
	f.Add([]byte(`{"a":"x"}`), []byte(`{"entry":[],"refs":[{}]}`))
	f.Add([]byte(`{"a":"${A}","b":"${B}"}`), []byte(`{"entry":{"a":"1","b":"2"},"refs":[{"path":"b","name":"B","outcome":"resolved"},{"path":"a","name":"A","outcome":"resolved"}]} `))
	f.Add([]byte(`{"a":"${A}","a":"${B}"}`), []byte(`{"entry":{"a":"1"}}`))
	f.Fuzz(func(t *testing.T, entry, out []byte) {
		res, got, err := validateInterpolation(entry, out)
		wres, wgot, werr := refValidateInterpolation(entry, out)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q %q: err %v, reference %v", entry, out, err, werr)
		}
		if err != nil {
			const changed = "changed but no reference there was reported resolved"
			if err.Error() != werr.Error() && !(strings.HasSuffix(err.Error(), changed) && strings.HasSuffix(werr.Error(), changed)) {
				t.Fatalf("%q %q: err %q, reference %q", entry, out, err, werr)
			}
			return
		}
		if !bytes.Equal(res.Entry, wres.Entry) || !reflect.DeepEqual(res.Refs, wres.Refs) || !reflect.DeepEqual(got, wgot) {
			t.Fatalf("%q %q: %s %+v, reference %s %+v", entry, out, res.Entry, res.Refs, wres.Entry, wres.Refs)
		}
	})
}

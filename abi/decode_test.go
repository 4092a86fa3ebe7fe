package abi

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const fullRequest = `{"profile":"alice","session_key":"relay:dm:42","platform":"relay","chat_id":"42",
 "chat_type":"dm","user_id":"u1","user_name":"Ann \"A\" \u00e9\ud83d\ude00","message_id":"m1","message_type":"text",
 "text":"/call whoami {}\n\t","unknown":{"deep":[1,-2.5e+3,true,false,null,"x\\y"]},
 "tools":[{"name":"whoami","description":"who","input_schema":{ "type" : "object" }},null,{"name":"t2","input_schema":null}],
 "secrets":["OPENAI_API_KEY",null]}`

func TestDecodeHandleRequestMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		fullRequest,
		`null`, ` {} `, `{"text":null}`, `{"tools":null,"secrets":[]}`,
		"{\"text\":\"bad \xff utf8 \\ud800 lone \\udc00\\u0041 pair-less\"}",
		`{"text":"\ud83d\u0041"}`,
	} {
		var want HandleRequest
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", in, err)
		}
		got, err := DecodeHandleRequest([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", in, got, want)
		}
	}
	got, _ := DecodeHandleRequest([]byte(fullRequest))
	if string(got.Tools[0].InputSchema) != `{ "type" : "object" }` || string(got.Tools[2].InputSchema) != "null" {
		t.Errorf("raw schemas not kept as written: %q, %q", got.Tools[0].InputSchema, got.Tools[2].InputSchema)
	}
}

func TestDecodeRefusesWithPosition(t *testing.T) {
	for _, c := range []struct{ in, what string }{
		{``, "expected an object"},
		{`{"text":"a"} x`, "data after the top-level value"},
		{`{"text":1}`, "expected a string"},
		{`{"tools":{}}`, "expected an array"},
		{`{"tools":["x"]}`, "expected an object"},
		{`{"text":"a\qb"}`, "invalid escape"},
		{"{\"text\":\"a\nb\"}", "control character"},
		{`{"text":"abc`, "unterminated string"},
		{`{"x":01}`, "expected ',' or '}'"},
		{`{"x":-}`, "invalid number"},
		{`{"x":[1,]}`, "unexpected character"},
		{`{"x":tru}`, "invalid literal"},
		{`{"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, "exceeded max depth"},
	} {
		_, err := DecodeHandleRequest([]byte(c.in))
		var de *decodeError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), c.what) || !strings.HasPrefix(err.Error(), "abi: HandleRequest: offset ") {
			t.Errorf("%.40q: err = %v, want a decodeError saying %q", c.in, err, c.what)
		}
		if json.Unmarshal([]byte(c.in), new(HandleRequest)) == nil {
			t.Errorf("%.40q: encoding/json accepts what we refuse", c.in)
		}
	}
}

// TestDecodeRefusesWhatEncodingJSONMerges: duplicate keys and keys that
// match only without case are refused (encoding/json takes the last, or
// folds), so two parsers can never read one envelope two ways.
func TestDecodeRefusesWhatEncodingJSONMerges(t *testing.T) {
	for _, in := range []string{
		`{"text":"a","text":"b"}`,
		`{"Text":"a"}`,
		`{"te\u0078t":"a","text":"b"}`,
		`{"tools":[{"name":"a","NAME":"b"}]}`,
	} {
		_, err := DecodeHandleRequest([]byte(in))
		if !errors.Is(err, errStrict) {
			t.Errorf("%s: err = %v, want a refusal", in, err)
		}
	}
	// Unknown keys may repeat: they are skipped.
	if _, err := DecodeHandleRequest([]byte(`{"x":1,"x":2}`)); err != nil {
		t.Error(err)
	}
}

func TestDecodeCallResult(t *testing.T) {
	for _, in := range []string{
		`{"output":{"profile":"alice", "n":[1,2]}}`,
		`{"error":{"code":"denied","message":"no \u00e9"}}`,
		`{"output":null,"error":null}`,
		`{}`, `null`,
	} {
		var want CallResult
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCallResult([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, %v; want %#v", in, got, err, want)
		}
	}
	if _, err := DecodeCallResult([]byte(`{"error":"x"}`)); err == nil {
		t.Error("an error that is not an object was accepted")
	}
}

// differential checks the decoder against encoding/json on in: both accept
// and agree, or both refuse; the decoder's own refusals are exempt. Then
// the same for what the host writes for that value (json.Marshal).
func differential[T any](t *testing.T, in []byte, decode func([]byte) (T, error)) {
	want, ok := agree(t, in, decode)
	if !ok {
		return
	}
	again, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	agree(t, again, decode)
}

func agree[T any](t *testing.T, in []byte, decode func([]byte) (T, error)) (T, bool) {
	got, err := decode(in)
	var want T
	if errors.Is(err, errStrict) {
		return want, false
	}
	jerr := json.Unmarshal(in, &want)
	if (err == nil) != (jerr == nil) {
		t.Fatalf("%q: decoder err %v, encoding/json err %v", in, err, jerr)
	}
	if err != nil {
		return want, false
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", in, got, want)
	}
	return want, true
}

func FuzzDecodeHandleRequest(f *testing.F) {
	for _, s := range []string{fullRequest, `null`, `{}`, `{"text":"\ud83d\ude00\ud800"}`, `{"tools":[{"input_schema":[{"a":1e9}]}]}`, `{"Text":"x"}`, `{"text":"a","text":"b"}`, "{\"text\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { differential(t, in, DecodeHandleRequest) })
}

func FuzzDecodeCallResult(f *testing.F) {
	for _, s := range []string{`{"output":{"a":[1,2,{"b":null}]}}`, `{"error":{"code":"x","message":"\u0000"}}`, `{"output":"s","error":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { differential(t, in, DecodeCallResult) })
}

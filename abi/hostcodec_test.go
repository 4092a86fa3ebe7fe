package abi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decodeBoth decodes b with encoding/json and with DecodeHandleRequest.
// Input schemas are compared by meaning: json.Marshal compacts them (and
// escapes <, > and &), AppendHandleRequest copies them as they are.
func decodeBoth(t *testing.T, b []byte) (HandleRequest, HandleRequest) {
	t.Helper()
	var viaJSON HandleRequest
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	viaABI, err := DecodeHandleRequest(b)
	if err != nil {
		t.Fatalf("DecodeHandleRequest(%s): %v", b, err)
	}
	return canonicalSchemas(t, viaJSON), canonicalSchemas(t, viaABI)
}

func canonicalSchemas(t *testing.T, r HandleRequest) HandleRequest {
	t.Helper()
	for i, tool := range r.Tools {
		if len(tool.InputSchema) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(tool.InputSchema, &v); err != nil {
			t.Fatalf("schema %s: %v", tool.InputSchema, err)
		}
		canon, _ := json.Marshal(v)
		r.Tools[i].InputSchema = canon
	}
	return r
}

func checkAppendHandleRequest(t *testing.T, r HandleRequest) {
	t.Helper()
	want, err := json.Marshal(r)
	got, gotErr := AppendHandleRequest(nil, r)
	if (err == nil) != (gotErr == nil) {
		t.Fatalf("%+v: json.Marshal err %v, AppendHandleRequest err %v", r, err, gotErr)
	}
	if err != nil {
		return
	}
	wantJSON, wantABI := decodeBoth(t, want)
	gotJSON, gotABI := decodeBoth(t, got)
	if !reflect.DeepEqual(gotJSON, wantJSON) {
		t.Fatalf("decoded by encoding/json:\n got %+v\nwant %+v\n(%s)", gotJSON, wantJSON, got)
	}
	if !reflect.DeepEqual(gotABI, wantABI) {
		t.Fatalf("decoded by DecodeHandleRequest:\n got %+v\nwant %+v\n(%s)", gotABI, wantABI, got)
	}
}

func TestAppendHandleRequest(t *testing.T) {
	checkAppendHandleRequest(t, HandleRequest{})
	checkAppendHandleRequest(t, HandleRequest{
		Profile: "p", SessionKey: "tg:dm:1", Platform: "telegram", ChatID: "1", ChatType: "dm", UserID: "u<1>",
		UserName: "A & B", MessageID: "m", MessageType: "text", Text: "hi \"there\"\n\xff",
		Tools: []ToolInfo{
			{Name: "whoami"},
			{Name: "t", Description: "d", InputSchema: json.RawMessage(`{ "type" : "object" }`)},
		},
		Secrets: []string{"A", "B"},
	})
	checkAppendHandleRequest(t, HandleRequest{Tools: []ToolInfo{{Name: "x", InputSchema: json.RawMessage(`{"type":`)}}})
	if _, err := AppendHandleRequest(nil, HandleRequest{Tools: []ToolInfo{{Name: "x", InputSchema: json.RawMessage(`nope`)}}}); err == nil {
		t.Error("a schema that is not JSON was written")
	}
}

func FuzzAppendHandleRequest(f *testing.F) {
	f.Add("p", "k", "hello", "telegram", "whoami", "Reports.", `{"type":"object"}`, "KEY")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("é\xff", "<&>", "a\"b\\\x00", "\u2028", "t", "d", `[1, 2 ]`, "")
	f.Fuzz(func(t *testing.T, profile, key, text, platform, tool, desc, schema, secret string) {
		r := HandleRequest{Profile: profile, SessionKey: key, Text: text, Platform: platform, ChatID: platform, UserName: desc}
		if tool != "" {
			r.Tools = []ToolInfo{{Name: tool, Description: desc, InputSchema: json.RawMessage(schema)}, {Name: tool + "2"}}
		}
		if secret != "" {
			r.Secrets = []string{secret, secret}
		}
		checkAppendHandleRequest(t, r)
	})
}

func checkDecodeHandleReply(t *testing.T, b []byte) {
	t.Helper()
	var want HandleReply
	wantErr := json.Unmarshal(b, &want)
	got, err := DecodeHandleReply(b)
	if (err == nil) != (wantErr == nil) || got != want {
		t.Fatalf("%q: got %+v (err %v), encoding/json %+v (err %v)", b, got, err, want, wantErr)
	}
}

func TestDecodeHandleReply(t *testing.T) {
	for _, s := range []string{`{"text":"hi"}`, `{"text":"a\"b\n"}`, "{\"text\":\"\xff\"}", `{"text":""}`, `{"text":"x"`,
		`{"text":"x"}}`, `{"text":1}`, `{"TEXT":"y"}`, `{"text":"a","text":"b"}`, ` {"text":"x"}`, `{"text":"x" }`, `null`, `{"text":"x\u00e9"}`,
		`{"text":"` + strings.Repeat("long ", 100) + `"}`} {
		checkDecodeHandleReply(t, []byte(s))
	}
	if got := string(AppendHandleReply(nil, HandleReply{Text: "x"})); got != `{"text":"x"}` {
		t.Fatalf("AppendHandleReply writes %s: DecodeHandleReply's direct path reads {\"text\":...}", got)
	}
}

func FuzzDecodeHandleReply(f *testing.F) {
	for _, s := range []string{`{"text":"hi"}`, `{"text":"a\"b"}`, `{"text":"x"`, `{"text":"a","x":1}`, "{\"text\":\"\xff\"}", `{"text":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodeHandleReply(t, b)
		checkDecodeHandleReply(t, AppendHandleReply(nil, HandleReply{Text: string(b)}))
	})
}

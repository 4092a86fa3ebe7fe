package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// decodeSeeds are frames that exercise the one-pass path, its guard and
// the exact path: repeated, null, missing, escaped and case-folded keys.
var decodeSeeds = []string{
	`{"type":"hello","platform":"discord","botId":"b"}`,
	`{"type":"descriptor","descriptor":{"platform":"x"}}`,
	`{"type":"inbound","event":{"text":"t","source":{"chat_id":1}},"bufferId":"b"}`,
	`{"type":"inbound","event":{"text":"t","message_type":"photo","media_urls":[1,null,"u"],"source":{"chat_id":1,"user_handle":"h","is_bot":null,"profile":" p "}}}`,
	`{"type":"inbound","event":{"text":"a"},"event":{"source":{"chat_id":2}}}`,
	`{"type":"inbound","event":{"source":{"chat_id":1},"source":{"user_id":2}}}`,
	`{"type":"inbound","event":{"source":{"chat_id":true},"source":{}}}`,
	`{"type":"inbound","event":null}`,
	`{"type":"inbound","event":{}}`,
	`{"type":"inbound"}`,
	`{"type":"inbound","x":"event","event":{"text":"y"}}`,
	`{"type":"inbound","\u0065vent":{"text":"x"},"event":{}}`,
	`{"type":"inbound","EVENT":{"text":"x"},"event":{"text":"y"}}`,
	`{"type":"inbound","event":{"ſource":{"chat_id":1},"source":{"user_id":2}}}`,
	`{"type":"inbound","event":{"text":5}}`,
	`{"type":"inbound","event":[],"bufferId":7}`,
	`{"type":"inbound","type":"hello","event":{}}`,
	`{"type":"inbound","type":null}`,
	`{"TYPE":"inbound","event":{"text":"t"}}`,
	` {"type":"inbound","event":{"text":"t"}}`,
	`{"type":"inbound","event":{"text":"t \"event\" \"source\""}}`,
	`{"type":"outbound_result","requestId":"r","result":{"success":true,"message_id":5}}`,
	`{"type":"outbound_result","requestId":"r","result":{"error":{"a":1}},"result":{"success":true}}`,
	`{"type":"outbound_result","result":null}`,
	`{"type":"interrupt_inbound","session_key":"k","chat_id":9}`,
	`{"type":"outbound","requestId":"r","action":{"op":"send","chat_id":"c","x":[1]}}`,
	`{"type":"outbound","requestId":"r","action":{"op":"send"},"action":{"content":"c"}}`,
	`{"type":"outbound","type":"hello","requestId":"r"}`,
	`{"type":"outbound","TYPE":null,"action":{}}`,
	`{"type":"outbound","requestId":5,"action":{"op":"send"}}`,
	`{"type":"outbound","action":[]}`,
	`{"type":"outbound","Action":{"op":"x","Op":"y","extra":{"k":1}},"BOTID":"b"}`,
	`{"type":"going_idle_ack"}`, `{"type":"passthrough_forward","forward":{}}`, `{"type":"?"}`, `{`, `null`,
}

// FuzzDecodeFrameMatchesReference: for every line, DecodeFrame and the
// reference decoder (decode_ref_test.go) return the same frame, or both a
// *FrameError of the same type and length.
func FuzzDecodeFrameMatchesReference(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	for _, c := range decodeCases() {
		f.Add(c.line)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, err := DecodeFrame(line)
		want, wantErr := refDecodeFrame(line)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q:\nerror %v\nwant  %v", line, err, wantErr)
		}
		if err != nil {
			var fe, wfe *FrameError
			if !errors.As(err, &fe) || !errors.As(wantErr, &wfe) || fe.Type != wfe.Type || fe.Len != wfe.Len {
				t.Fatalf("%q:\nerror %#v\nwant  %#v", line, err, wantErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nframe %#v\nwant  %#v", line, got, want)
		}
	})
}

// FuzzIDMatchesReference: idString and nullBool read every input as the
// reference's do, and optString as a *string does, error or value.
func FuzzIDMatchesReference(f *testing.F) {
	for _, s := range []string{`"abc"`, `"caf\u00e9"`, `"a\"b"`, `"é"`, "\"\xff\"", `12`, `-0`, `01`, `-`, `1.5e3`,
		` 7 `, `null`, `true`, `false`, ` true`, `tru`, `""`, `"`, `[]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var id idString
		var ref refIDString
		err, refErr := id.UnmarshalJSON(b), ref.UnmarshalJSON(b)
		if (err == nil) != (refErr == nil) || err == nil && string(id) != string(ref) {
			t.Fatalf("id %q: %q %v; reference %q %v", b, id, err, ref, refErr)
		}
		var nb nullBool
		var refNB refNullBool
		err, refErr = nb.UnmarshalJSON(b), refNB.UnmarshalJSON(b)
		if (err == nil) != (refErr == nil) || err == nil && bool(nb) != bool(refNB) {
			t.Fatalf("bool %q: %v %v; reference %v %v", b, nb, err, refNB, refErr)
		}
		var os optString
		var p *string
		err, refErr = os.UnmarshalJSON(b), json.Unmarshal(b, &p)
		if (err == nil) != (refErr == nil) || err == nil && string(os) != deref(p) {
			t.Fatalf("string %q: %q %v; *string %v %v", b, os, err, p, refErr)
		}
	})
}

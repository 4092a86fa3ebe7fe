package wire

import "testing"

// TestDecodeInboundTakesOnePass: a connector's inbound frame goes the
// one-pass way, whatever the place of its "type"; a frame where a plain
// struct could merge what the exact path replaces, or that has no event
// object, is declined (and then decoded exactly: see
// FuzzDecodeFrameMatchesReference).
func TestDecodeInboundTakesOnePass(t *testing.T) {
	for _, line := range []string{
		string(inboundLine(2 << 10)),
		`{"bufferId":"b","event":{"text":"t","source":{"chat_id":1}},"type":"inbound"}`,
		`{"type":"inbound","event":{"text":"a \"quoted\" word"}}`,
		`{"type":"inbound","event":{"text":"caf\u00e9"}}`,
	} {
		if _, ok := decodeInbound([]byte(line)); !ok {
			t.Errorf("declined %.80s", line)
		}
	}
	for _, line := range []string{
		`{"type":"inbound","event":{"text":"a"},"event":{"source":{"chat_id":2}}}`,
		`{"type":"inbound","event":{"source":{"chat_id":1},"SOURCE":{"user_id":2}}}`,
		`{"type":"inbound","\u0065vent":{"text":"x"}}`,
		`{"type":"inbound","event":{"ſource":{"chat_id":1}}}`,
		`{"type":"inbound","event":{"\u017fource":{"chat_id":1}}}`,
		`{"type":"inbound","event":null}`,
		`{"type":"inbound"}`,
		`{"type":"hello","event":{}}`,
		`{"type":"inbound","event":{"text":5}}`,
	} {
		if _, ok := decodeInbound([]byte(line)); ok {
			t.Errorf("took %s", line)
		}
	}
	if _, ok := decodeResult(resultLine); !ok {
		t.Error("declined the outbound result")
	}
}

// TestDecodeOutboundTakesOnePass: a gateway's reply frame goes the
// one-pass way; one whose decoded "type" is another, or that does not
// decode, is declined (and decoded exactly).
func TestDecodeOutboundTakesOnePass(t *testing.T) {
	line := outboundLine()
	if leadingType(line) != TypeOutbound {
		t.Fatalf("leading type of %.40s: %q", line, leadingType(line))
	}
	f, ok := decodeOutbound(line)
	if !ok {
		t.Fatalf("declined %.80s", line)
	}
	if o := f.(OutboundFrame); o.Action.Op != "send" || o.Action.Metadata["profile"] != "ops" {
		t.Errorf("decoded %+v", o)
	}
	for _, line := range []string{
		`{"type":"outbound","type":"hello","requestId":"r"}`,
		`{"type":"outbound","requestId":5}`,
		`{"type":"outbound","action":[]}`,
	} {
		if _, ok := decodeOutbound([]byte(line)); ok {
			t.Errorf("took %s", line)
		}
	}
}

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

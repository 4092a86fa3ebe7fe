package abi

import (
	"encoding/json"
	"strings"
	"testing"
)

// roundTrips checks that AppendString writes valid JSON that decodes to
// what encoding/json's own encoding of s decodes to (invalid UTF-8 becomes
// U+FFFD in both).
func roundTrips(t *testing.T, s string) {
	t.Helper()
	var got, want string
	if err := json.Unmarshal(AppendString(nil, s), &got); err != nil {
		t.Fatalf("%q: invalid JSON %s: %v", s, AppendString(nil, s), err)
	}
	j, _ := json.Marshal(s)
	if err := json.Unmarshal(j, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%q: decodes to %q, want %q", s, got, want)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", strings.Repeat("eight by", 5), "quote\" at 6", "0123456\\", "tab\there\x00\x1f\x7f",
		"é and 😀 and \u2028", "bad \xff\xfe byte", "\xc3", strings.Repeat("a", 15) + "\"" + strings.Repeat("b", 9),
	} {
		roundTrips(t, s)
	}
	if got := string(AppendHandleReply([]byte("x"), HandleReply{Text: `a"b`})); got != `x{"text":"a\"b"}` {
		t.Errorf("AppendHandleReply = %s", got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c\x00", "é😀\xff", strings.Repeat("x", 17)} {
		f.Add(s)
	}
	f.Fuzz(roundTrips)
}

package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWorth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"4821", false},             // below MinLen: a PIN
		{"true", false},             // booleans, any case
		{"FALSE", false},            //
		{"Disabled", false},         //
		{"2024", false},             // short numbers
		{"1700000000", false},       // a timestamp
		{"-12.5", false},            //
		{"construed", false},        // a word
		{"Construed", false},        //
		{"WELL-KNOWN", false},       //
		{"aaaaaaaaaaaa", false},     // no entropy
		{"abababababab", false},     // too little
		{"        ", false},         // blanks
		{"hunter22", true},          // a weak password is still a password
		{"sk-test-abc123XYZ", true}, // a key
		{"4539578763621486", true},  // a card number: 16 digits
		{"correct horse battery staple", true},
		{"XkqZpLmWrtYbNcvG", true}, // mixed-case letters: not a word
	} {
		if got := Worth(tc.v); got != tc.want {
			t.Errorf("Worth(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestSetSkipsUnworthy(t *testing.T) {
	t.Parallel()
	s := NewSet(map[string]string{"BROWSERBASE_PROXIES": "true", "PIN": "2024", "WORD": "construed", "KEY": "sk-live-9f8e7d6c5b"})
	if s.Len() != 1 || !s.Has("sk-live-9f8e7d6c5b") {
		t.Fatalf("set holds %v, want only the key", s.Values())
	}
	in := `{"ok":true,"year":2024,"text":"it is construed as sk-live-9f8e7d6c5b"}`
	got := string(s.Output([]byte(in), Anonymous))
	want := `{"ok":true,"year":2024,"text":"it is construed as [REDACTED]"}`
	if got != want {
		t.Fatalf("Output = %s, want %s", got, want)
	}
	if got := s.Text("k=sk-live-9f8e7d6c5b", Named); got != "k=[REDACTED:KEY]" {
		t.Fatalf("Named = %q", got)
	}
}

func TestOutputKeepsJSONValid(t *testing.T) {
	t.Parallel()
	secret := `p"a\ss/wörd<9>` // needs escaping in JSON
	s := NewSet(map[string]string{"S": secret})
	enc, _ := json.Marshal(map[string]any{"a": []any{"x " + secret + " y", 1, nil}, secret: true})
	out := s.Output(enc, Anonymous)
	if !json.Valid(out) {
		t.Fatalf("not JSON: %s", out)
	}
	if strings.Contains(string(out), "wörd") {
		t.Fatalf("value survived: %s", out)
	}
	var v map[string]any
	_ = json.Unmarshal(out, &v)
	if v["a"].([]any)[0] != "x [REDACTED] y" || v[Marker] != true {
		t.Fatalf("got %s", out)
	}
	// Not JSON: the escaped form is caught as text.
	esc, _ := json.Marshal(secret)
	if got := s.Text("log: "+string(esc[1:len(esc)-1]), Anonymous); got != "log: [REDACTED]" {
		t.Fatalf("Text = %q", got)
	}
}

func FuzzOutput(f *testing.F) {
	f.Add([]byte(`{"a":"sk-live-9f8e7d6c5b","b":[1,true,"x"]}`), "sk-live-9f8e7d6c5b")
	f.Add([]byte(`"\u0073k-live"`), "sk-live-zz9")
	f.Add([]byte("not json \xff"), "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8")
	f.Fuzz(func(t *testing.T, in []byte, value string) {
		s := NewSet(map[string]string{"S": value, "T": value + "x"})
		_ = Worth(value)
		for _, m := range []Mode{Anonymous, Named} {
			out := s.Output(in, m)
			if json.Valid(in) && !json.Valid(out) {
				t.Fatalf("JSON in, not JSON out: %q -> %q", in, out)
			}
			_ = s.Text(string(in), m)
		}
		if s.Has(value) && json.Valid(in) && !strings.ContainsAny(value, "[]") {
			var after any
			if err := json.Unmarshal(s.Output(in, Anonymous), &after); err != nil {
				t.Fatal(err)
			}
			walkStrings(after, func(str string) {
				if strings.Contains(str, value) {
					t.Fatalf("value %q survived in %q", value, str)
				}
			})
		}
	})
}

func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, it := range x {
			walkStrings(it, f)
		}
	case map[string]any:
		for k, it := range x {
			f(k)
			walkStrings(it, f)
		}
	}
}

func TestAnonymize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a [REDACTED:X] b [REDACTED:LONG_NAME]": "a [REDACTED] b [REDACTED]",
		"none":                                  "none",
		"[REDACTED:unclosed":                    "[REDACTED:unclosed",
	} {
		if got := Anonymize(in); got != want {
			t.Errorf("Anonymize(%q) = %q, want %q", in, got, want)
		}
	}
}

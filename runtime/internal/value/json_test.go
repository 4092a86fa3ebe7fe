package value

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseJSONMatchesDecoder checks ParseJSON's byte scanner against the
// encoding/json parser it stands in front of: whatever the scanner
// accepts, that parser accepts too, as the same value.
func FuzzParseJSONMatchesDecoder(f *testing.F) {
	for _, s := range []string{
		`{"command":"npx","args":["-y",1,2.50,-0,1e9,true,false,null],"env":{"A":"x\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}}`,
		` { "a" : [ ] , "b" : { } } `,
		`{"a":1,"a":2}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `-`, `"\ud800\u0041"`, "\"\xff\xe2\x82\"", `"\u12"`, "\"a\x01\"",
		strings.Repeat("[", 64) + strings.Repeat("]", 64),
		strings.Repeat("[", 66) + strings.Repeat("]", 66),
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"ka":10,"kb":11,"kc":12,"kd":13,"ke":14,"kf":15,"kg":16,"kh":17,"k0":18}`,
		`{} x`, `tru`, `nul`, `"abc`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fast, ok := fastParse(in)
		slow, err := parseJSONDecoder(in)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%q: the scanner accepted what encoding/json refuses: %v", in, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\n scanner %s\n decoder %s", in, fast.JSON(), slow.JSON())
		}
	})
}

func TestParseJSONRefusals(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1,"a":2}`, `{"a":1} x`, strings.Repeat("[", 66) + strings.Repeat("]", 66), `[1,]`, `{"a" 1}`} {
		if _, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("ParseJSON(%q) accepted", in)
		}
	}
	v, err := ParseJSON([]byte(` {"a":[1.50,"\u00e9\/"],"b":{}} `))
	if err != nil || v.Get("a").Items[0].Str != "1.50" || v.Get("a").Items[1].Str != "é/" || v.Get("b").Kind != Object {
		t.Errorf("%v %v", v, err)
	}
}

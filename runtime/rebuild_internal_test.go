package runtime

import (
	"strings"
	"testing"
)

func TestRebuildString(t *testing.T) {
	t.Parallel()
	scope := newScope("p", "", map[string]string{"TOKEN": "tok-1234", "OTHER": "oth-5678"}, Globals{})
	for _, c := range []struct {
		template, returned string
		names              []string
		want               string // "" for refused
	}{
		{"Bearer ${TOKEN}", "Bearer tok-1234", []string{"TOKEN"}, "Bearer tok-1234"},
		{"Bearer ${TOKEN}", "Bearer ${TOKEN}", nil, "Bearer ${TOKEN}"},
		{"Bearer ${ env: TOKEN }", "Bearer tok-1234", []string{"TOKEN"}, "Bearer tok-1234"},
		{"Bearer ${TOKEN}", "Bearer oth-5678", []string{"TOKEN"}, ""},   // another secret
		{"Bearer ${TOKEN}", "Bearer tok-1234 x", []string{"TOKEN"}, ""}, // extra text
		{"Bearer ${TOKEN}", "Bearer tok-1234", []string{"OTHER"}, ""},   // reported the wrong name
		{"Bearer ${MISSING}", "Bearer x", []string{"MISSING"}, ""},      // not set
		{"a ${X:-d} b ${TOKEN}", "a dd b tok-1234", []string{"TOKEN"}, "a dd b tok-1234"},
		{"a ${X:-d} b", "z dd b", nil, ""},
		{"${X:-d}${Y:-e}", "anything", nil, "anything"},
		{"plain", "plain", nil, "plain"},
		{"plain", "other", nil, ""},
	} {
		got, err := rebuildString(c.template, c.returned, c.names, scope, nil)
		if c.want == "" && err == nil {
			t.Errorf("%q -> %q: accepted as %q", c.template, c.returned, got)
		}
		if c.want != "" && (err != nil || got != c.want) {
			t.Errorf("%q -> %q: %q, %v; want %q", c.template, c.returned, got, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "tok-1234") || strings.Contains(err.Error(), "oth-5678")) {
			t.Errorf("the error shows a value: %v", err)
		}
	}
}

// FuzzRebuildString: never panics; what it accepts is exactly what the
// module returned, built from the template; a template always rebuilds to
// itself when nothing was resolved.
func FuzzRebuildString(f *testing.F) {
	for _, s := range [][2]string{{"Bearer ${TOKEN}", "Bearer tok-1234"}, {"${a}${b:-x}c", "${a}zzc"}, {"${", "}"}, {"x${}y", "xy"}} {
		f.Add(s[0], s[1], "TOKEN")
	}
	scope := newScope("p", "", map[string]string{"TOKEN": "tok-1234", "a": "va"}, Globals{})
	f.Fuzz(func(t *testing.T, template, returned, name string) {
		got, err := rebuildString(template, returned, []string{name}, scope, nil)
		if err == nil && got != returned {
			t.Fatalf("accepted %q as %q", returned, got)
		}
		if same, err := rebuildString(template, template, nil, scope, nil); err != nil || same != template {
			t.Fatalf("the template %q does not rebuild to itself: %q %v", template, same, err)
		}
	})
}

package confine

import (
	"strings"
	"testing"
)

// TestGrantsNeverOpenTheHome: a path is granted unless it is the home, a
// profile directory, above one, or in the home outside the profile.
func TestGrantsNeverOpenTheHome(t *testing.T) {
	t.Parallel()
	g := grants{home: "/srv/gw", profile: "/srv/gw/profiles/bob"}
	for path, want := range map[string]bool{
		"/":                            false,
		"/srv":                         false,
		"/srv/gw":                      false,
		"/srv/gw/":                     false,
		"/srv/gw/profiles":             false,
		"/srv/gw/profiles/alice":       false,
		"/srv/gw/profiles/alice/x":     false,
		"/srv/gw/profiles/bob":         false,
		"/srv/gw/profiles/bob/../bob":  false,
		"/srv/gw/profiles/bob/data":    true,
		"/srv/gw/profiles/bob/data/..": false,
		"/srv/gw/.env":                 false,
		"/srv/gwx":                     true,
		"/usr":                         true,
		"/srv/other":                   true,
	} {
		if got := g.allowed(path); got != want {
			t.Errorf("allowed(%q) = %v, want %v", path, got, want)
		}
	}
	// Without a known home, the profile directory still is never granted.
	g = grants{profile: "/p/bob"}
	if g.allowed("/p") || g.allowed("/p/bob") || !g.allowed("/p/bob/sub") || !g.allowed("/p/alice") {
		t.Error("profile-only grants")
	}
}

func TestReportString(t *testing.T) {
	t.Parallel()
	r := Report{LandlockABI: 7, Namespaces: []string{"user", "net"}, Network: "denied", Limits: Limits{Memory: 512 << 20, Processes: 64, OpenFiles: 100}}
	want := "landlock abi 7, no_new_privs, no capabilities, namespaces user+net, network denied, memory 512MiB, processes 64, open files 100"
	if r.String() != want {
		t.Errorf("%q\nwant %q", r.String(), want)
	}
	r = Report{LandlockABI: 6, Network: "allowed", Limits: Limits{}.WithDefaults()}
	r.Limits.Processes = 0
	if s := r.String(); !strings.Contains(s, "namespaces none") || !strings.Contains(s, "processes not limited") || !strings.Contains(s, "memory 2GiB") {
		t.Errorf("%q", s)
	}
}

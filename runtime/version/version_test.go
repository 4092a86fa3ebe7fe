package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	const rev = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"
	stamped := func(version string, modified bool) *debug.BuildInfo {
		mod := "false"
		if modified {
			mod = "true"
		}
		return &debug.BuildInfo{
			GoVersion: "go1.26.0",
			Main:      debug.Module{Path: "github.com/wasmgw/wasmgw", Version: version},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: rev},
				{Key: "vcs.time", Value: "2026-12-01T03:00:00Z"},
				{Key: "vcs.modified", Value: mod},
			},
		}
	}
	for _, tc := range []struct {
		name     string
		bi       *debug.BuildInfo
		ok       bool
		override string
		short    string
		revision string
		modified bool
	}{
		{"no build info", nil, false, "", "(devel)", "", false},
		{"test binary: no vcs, no version", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/wasmgw/wasmgw"}}, true, "", "(devel)", "", false},
		{"devel with revision", stamped("(devel)", false), true, "", "(devel)+rev.1a2b3c4d5e6f", rev, false},
		{"devel dirty", stamped("(devel)", true), true, "", "(devel)+rev.1a2b3c4d5e6f.dirty", rev, true},
		{"pseudo-version already names the revision", stamped("v0.0.0-20261201030000-1a2b3c4d5e6f+dirty", true), true, "", "v0.0.0-20261201030000-1a2b3c4d5e6f+dirty", rev, true},
		{"release tag", stamped("v1.2.0", false), true, "", "v1.2.0+rev.1a2b3c4d5e6f", rev, false},
		{"ldflags override keeps the revision", stamped("(devel)", false), true, "v9.9.9", "v9.9.9+rev.1a2b3c4d5e6f", rev, false},
		{"the old default \"dev\" is no override", stamped("v1.2.0", false), true, "dev", "v1.2.0+rev.1a2b3c4d5e6f", rev, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := FromBuildInfo(tc.bi, tc.ok, tc.override)
			if got := info.Short(); got != tc.short {
				t.Errorf("Short() = %q, want %q", got, tc.short)
			}
			if info.String() != info.Short() {
				t.Errorf("String() = %q, want Short()", info.String())
			}
			if info.Revision != tc.revision || info.Modified != tc.modified {
				t.Errorf("revision %q modified %v, want %q %v", info.Revision, info.Modified, tc.revision, tc.modified)
			}
			if info.Version == "" {
				t.Error("Version is empty")
			}
			if strings.ContainsAny(info.Short(), " \t\n") {
				t.Errorf("Short() %q is not one token", info.Short())
			}
		})
	}
}

// TestGet: inside a test binary there is build info but no VCS stamp.
func TestGet(t *testing.T) {
	t.Parallel()
	info := Get("")
	if info.Version == "" || info.GoVersion == "" {
		t.Fatalf("Get() = %+v: want a version and a Go version", info)
	}
	if got := Get("v3.4.5").Version; got != "v3.4.5" {
		t.Fatalf("override: Version = %q", got)
	}
}

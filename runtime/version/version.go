// Package version reports what build of wasmgw is running: the module
// version and the VCS revision the Go toolchain stamped into the binary
// (runtime/debug.ReadBuildInfo), whether the tree was modified, and the Go
// version. The CLI prints it ("wasmgw version", "wasmgw --version"), audit
// reports record it, and the gateway tells the connector in its hello.
//
// "go build" in a git checkout stamps the revision by default
// (-buildvcs=auto); a build outside one (a source tarball, "go run", a test
// binary) has none, and the version is then "(devel)" or a pseudo-version.
package version

import (
	"runtime/debug"
	"strings"
)

// Devel is the module version of a binary built from a working tree that
// the toolchain could not name a version for.
const Devel = "(devel)"

// Info describes one build.
type Info struct {
	// Module is the main module's path ("" when unknown).
	Module string `json:"module,omitempty"`
	// Version is the module version: a release tag ("v1.2.0"), a
	// pseudo-version, or Devel; never empty.
	Version string `json:"version"`
	// Revision is the VCS revision (a full git hash), "" when not stamped.
	Revision string `json:"revision,omitempty"`
	// Time is the revision's commit time (RFC 3339), "" when not stamped.
	Time string `json:"time,omitempty"`
	// Modified: the working tree had uncommitted changes at build time.
	Modified bool `json:"modified,omitempty"`
	// GoVersion is the toolchain that built the binary ("go1.26.0").
	GoVersion string `json:"go_version,omitempty"`
}

// Get returns the running binary's build information. override, when not
// empty, replaces the module version (a release build may set it with
// -ldflags "-X main.version=v1.2.3"); the revision is still the stamped one.
func Get(override string) Info {
	bi, ok := debug.ReadBuildInfo()
	return FromBuildInfo(bi, ok, override)
}

// FromBuildInfo builds an Info from what debug.ReadBuildInfo returned.
func FromBuildInfo(bi *debug.BuildInfo, ok bool, override string) Info {
	info := Info{Version: Devel}
	if ok && bi != nil {
		info.Module = bi.Main.Path
		if v := strings.TrimSpace(bi.Main.Version); v != "" {
			info.Version = v
		}
		info.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if o := strings.TrimSpace(override); o != "" && o != "dev" {
		info.Version = o
	}
	return info
}

// ShortRevision is the first 12 characters of the revision ("" when none).
func (i Info) ShortRevision() string {
	if len(i.Revision) > 12 {
		return i.Revision[:12]
	}
	return i.Revision
}

// Short is one token naming the build, for logs, the audit report and the
// connector: the version, then "+rev.<12 hex>" when a revision is stamped
// and the version does not already contain it, then ".dirty" when the tree
// was modified and the version does not already say so.
// Examples: "v1.2.0", "(devel)+rev.1a2b3c4d5e6f.dirty",
// "v0.0.0-20261201034600-1a2b3c4d5e6f+dirty".
func (i Info) Short() string {
	s := i.Version
	if s == "" {
		s = Devel
	}
	if rev := i.ShortRevision(); rev != "" && !strings.Contains(s, rev) {
		s += "+rev." + rev
	}
	if i.Modified && !strings.Contains(s, "dirty") {
		s += ".dirty"
	}
	return s
}

// String is Short: one token naming the build.
func (i Info) String() string { return i.Short() }

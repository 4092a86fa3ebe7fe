package inspect

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime/runtimetest"
	"github.com/wasmgw/wasmgw/runtime/version"
)

// TestReportRecordsBuild: with no version given, the report records this
// binary's build info (wasmgw_version and wasmgw_build), in every format.
func TestReportRecordsBuild(t *testing.T) {
	t.Parallel()
	home := runtimetest.SampleHome(t)
	rep, err := Audit(context.Background(), Options{Home: home, StaticOnly: true, Now: fixedNow, Environ: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	want := version.Get("")
	if rep.Version != want.Short() || rep.Build != want {
		t.Fatalf("report version %q build %+v; want %q %+v", rep.Version, rep.Build, want.Short(), want)
	}
	var parsed struct {
		Version string       `json:"wasmgw_version"`
		Build   version.Info `json:"wasmgw_build"`
	}
	if err := json.Unmarshal([]byte(render(t, rep, FormatJSON)), &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.Version != want.Short() || parsed.Build.GoVersion != want.GoVersion || parsed.Build.Version == "" {
		t.Fatalf("JSON build: %+v", parsed)
	}
	for _, f := range []string{FormatText, FormatMarkdown} {
		if out := render(t, rep, f); !strings.Contains(out, want.Short()) {
			t.Errorf("%s report does not name the version %q", f, want.Short())
		}
	}
}

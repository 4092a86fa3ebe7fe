package inspect

import (
	"sort"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
)

func TestTargetsGroupProfilesByLimits(t *testing.T) {
	def := limitsReport(runtime.DefaultLimits())
	small := def
	small.TimeoutMS = 500
	ts := suiteTargets([]ProfileReport{{Name: "a", Limits: def}, {Name: "b", Limits: small}, {Name: "c", Limits: def}})
	var got []string
	for _, tg := range ts {
		got = append(got, tg.ID+"="+strings.Join(tg.Profiles, ",")+"/"+tg.Limits.Timeout.String())
	}
	sort.Strings(got)
	if strings.Join(got, " ") != "t1=a,c/10s t2=b/500ms" {
		t.Errorf("targets %v", got)
	}
	if ts := suiteTargets(nil); len(ts) != 1 || ts[0].Limits != runtime.DefaultLimits() {
		t.Errorf("no profiles: %+v", ts)
	}
}

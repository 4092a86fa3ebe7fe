package shard

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestVectors pins the owner function: a connector in another language
// computes the same owners (docs/operations.md lists these), and a change
// of the function would silently move every profile.
func TestVectors(t *testing.T) {
	t.Parallel()
	for _, v := range []struct {
		profile string
		of      [3]int // n = 2, 3, 10
	}{
		{"alice", [3]int{0, 0, 4}},
		{"bob", [3]int{0, 2, 2}},
		{"default", [3]int{0, 2, 4}},
		{"carol", [3]int{0, 2, 7}},
		{"tenant-0042", [3]int{0, 2, 4}},
	} {
		for k, n := range []int{2, 3, 10} {
			if got := Of(v.profile, n); got != v.of[k] {
				t.Errorf("Of(%q, %d) = %d, want %d", v.profile, n, got, v.of[k])
			}
		}
		if Of(v.profile, 1) != 0 || Of(v.profile, 0) != 0 {
			t.Errorf("Of(%q, 1 or 0) is not 0", v.profile)
		}
		if Of(strings.ToUpper(v.profile), 10) != v.of[2] {
			t.Errorf("Of is not case-insensitive for %q", v.profile)
		}
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tenant-%05d", i)
	}
	return out
}

// TestShardsPartitionTheHome: for every n, the n shards are disjoint and
// together own every profile, each about 1/n of them.
func TestShardsPartitionTheHome(t *testing.T) {
	t.Parallel()
	all := names(10000)
	for n := 1; n <= 12; n++ {
		owners := map[string]int{}
		for i := range n {
			s := Shard{Index: i, Count: n}
			got := s.Filter(all)
			for _, p := range got {
				if prev, dup := owners[p]; dup {
					t.Fatalf("n=%d: %s owned by %d and %d", n, p, prev, i)
				}
				owners[p] = i
			}
			// Balanced within 15% of the fair share (10,000 names).
			if fair := len(all) / n; len(got) < fair*85/100 || len(got) > fair*115/100 {
				t.Errorf("n=%d: shard %d owns %d profiles, fair share %d", n, i, len(got), fair)
			}
		}
		if len(owners) != len(all) {
			t.Fatalf("n=%d: %d of %d profiles owned", n, len(owners), len(all))
		}
	}
}

// TestGrowingMovesOnlyToTheNewShard: from n to n+1 gateways a profile
// either stays or moves to the new gateway n, about 1/(n+1) of them.
func TestGrowingMovesOnlyToTheNewShard(t *testing.T) {
	t.Parallel()
	all := names(10000)
	for n := 1; n <= 11; n++ {
		moved := 0
		for _, p := range all {
			before, after := Of(p, n), Of(p, n+1)
			if before != after {
				if after != n {
					t.Fatalf("%s moved from %d to %d going from %d to %d shards", p, before, after, n, n+1)
				}
				moved++
			}
		}
		want := len(all) / (n + 1)
		if moved < want*85/100 || moved > want*115/100 {
			t.Errorf("n=%d→%d: %d profiles moved, want about %d", n, n+1, moved, want)
		}
		t.Logf("%d→%d gateways: %d of %d profiles move (to gateway %d)", n, n+1, moved, len(all), n)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, host string
		want     Shard
		err      string
	}{
		{"", "", Shard{}, ""},
		{"0/1", "", Shard{0, 1}, ""},
		{"2/3", "", Shard{2, 3}, ""},
		{" 1/2 ", "", Shard{1, 2}, ""},
		{"hostname/3", "wasmgw-2", Shard{2, 3}, ""},
		{"hostname/3", "wasmgw-1.wasmgw.ns.svc.cluster.local", Shard{1, 3}, ""},
		{"hostname/3", "wasmgw-3", Shard{}, "I must be a whole number from 0 to 2"},
		{"hostname/3", "wasmgw", Shard{}, "does not end in -<ordinal>"},
		{"hostname/3", "wasmgw-", Shard{}, "does not end in -<ordinal>"},
		{"3/3", "", Shard{}, "I must be a whole number from 0 to 2"},
		{"-1/3", "", Shard{}, "I must be"},
		{"+1/3", "", Shard{}, "I must be"},
		{"1/0", "", Shard{}, "N must be"},
		{"1/99999", "", Shard{}, "N must be"},
		{"1", "", Shard{}, "want I/N"},
		{"a/b", "", Shard{}, "N must be"},
		{"1/2/3", "", Shard{}, "N must be"},
	} {
		got, err := Parse(c.in, c.host)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("Parse(%q, %q) = %v, %v; want %v", c.in, c.host, got, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrSyntax) && !strings.Contains(err.Error(), "ordinal") {
			t.Errorf("Parse(%q, %q) = %v, %v; want an error containing %q", c.in, c.host, got, err, c.err)
		}
	}
	if (Shard{}).String() != "all" || (Shard{1, 3}).String() != "1/3" || !(Shard{0, 1}).Whole() {
		t.Error("String/Whole")
	}
}

// FuzzParse: no input panics, and an accepted shard is in range and
// round-trips through String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0/1", "2/3", "hostname/3", "", "/", "-0/1", "4095/4096", "1/"} {
		f.Add(s, "wasmgw-2")
	}
	f.Fuzz(func(t *testing.T, in, host string) {
		s, err := Parse(in, host)
		if err != nil {
			return
		}
		if s.Whole() {
			return
		}
		if s.Index < 0 || s.Index >= s.Count || s.Count > MaxCount {
			t.Fatalf("Parse(%q) = %+v out of range", in, s)
		}
		back, err := Parse(s.String(), "")
		if err != nil || back != s {
			t.Fatalf("round trip %q: %v, %v", s.String(), back, err)
		}
	})
}

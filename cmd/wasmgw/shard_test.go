package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/relay/shard"
)

// shardHome is a home of n profiles tenant-00.. each with whoami and its
// own fake key.
func shardHome(t *testing.T, n int) (string, []string) {
	t.Helper()
	home := t.TempDir()
	var names []string
	for i := range n {
		name := fmt.Sprintf("tenant-%02d", i)
		dir := filepath.Join(home, "profiles", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := "wasmgw:\n  modules:\n    whoami: {path: \"builtin:whoami\", grants: [OPENAI_API_KEY]}\n"
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("OPENAI_API_KEY="+shardKey(name)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return home, names
}

func shardKey(profile string) string { return "sk-fake-shard-" + profile + "-9c4e" }

// TestGatewaysShareAConnectorByShard: three real "wasmgw gateway"
// processes on one home, each with its own instance id and --shard i/3
// (one taking its index from the host name, as in a StatefulSet), share
// one connector. Each hello names the instance, the shard and the version;
// the connector routes each message by the shard that owns its profile;
// every message is answered exactly once, by the right gateway, with that
// profile's own key; a message the connector misroutes is dropped with a
// log line naming the owning shard.
func TestGatewaysShareAConnectorByShard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	const gateways, perProfile = 3, 2
	home, names := shardHome(t, 30)
	conn := relaytest.New(t, relaytest.Options{RequireAuth: true, Secrets: []string{gatewaySecret}})
	procs := map[string]*proc{}
	for i := range gateways {
		instance := fmt.Sprintf("wasmgw-%d", i)
		env := []string{relay.EnvURL + "=" + conn.URL(), relay.EnvID + "=gw-shard-test", relay.EnvSecret + "=" + gatewaySecret,
			relay.EnvInstanceID + "=" + instance, "HOSTNAME=" + instance}
		spec := fmt.Sprintf("%d/%d", i, gateways)
		if i == gateways-1 {
			spec = fmt.Sprintf("hostname/%d", gateways)
		}
		procs[instance] = start(t, env, "gateway", "--home", home, "--shard", spec, cacheFlag())
	}
	stderrs := func() string {
		var b strings.Builder
		for id, p := range procs {
			fmt.Fprintf(&b, "--- %s\n%s", id, p.stderr)
		}
		return b.String()
	}
	byInstance := map[string]*relaytest.Conn{}
	for range gateways {
		cn, err := conn.WaitConnected(ctx)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderrs())
		}
		h := cn.Hellos()[0]
		var idx int
		if _, err := fmt.Sscanf(h.InstanceID, "wasmgw-%d", &idx); err != nil {
			t.Fatalf("hello %+v: no instance id", h)
		}
		if h.Shard == nil || relay.HelloShard(*h.Shard) != (relay.HelloShard{Index: idx, Count: gateways, Hash: shard.Algorithm}) || h.Version == "" {
			t.Fatalf("hello of %s: %+v, shard %+v", h.InstanceID, h, h.Shard)
		}
		byInstance[h.InstanceID] = cn
	}

	// Every profile, perProfile messages each, routed by the connector.
	pushedTo := map[string]string{} // message id -> instance
	for _, name := range names {
		for k := range perProfile {
			id := fmt.Sprintf("%s-m%d", name, k)
			cn, err := conn.PushRouted(ctx, inboundFor(name, id, "/call whoami {}"))
			if err != nil {
				t.Fatal(err)
			}
			pushedTo[id] = cn.Hellos()[0].InstanceID
		}
	}
	// Three messages the connector sends to the wrong gateway.
	misrouted := 0
	for _, name := range names[:3] {
		owner := shard.Of(name, gateways)
		wrong := byInstance[fmt.Sprintf("wasmgw-%d", (owner+1)%gateways)]
		if err := wrong.Push(ctx, inboundFor(name, name+"-wrong", "/call whoami {}")); err != nil {
			t.Fatal(err)
		}
		misrouted++
	}

	total := len(names) * perProfile
	replies := map[string]sentReply{}
	for len(replies) < total {
		f, err := conn.Outbound(ctx)
		if err != nil {
			t.Fatalf("%d of %d replies: %v\n%s", len(replies), total, err, stderrs())
		}
		if f.Action.Op != opSend {
			continue
		}
		if _, dup := replies[f.Action.ReplyTo]; dup {
			t.Fatalf("message %s answered twice", f.Action.ReplyTo)
		}
		replies[f.Action.ReplyTo] = sentReply{Content: f.Action.Content, ChatID: f.Action.ChatID, Metadata: f.Action.Metadata}
	}
	for acks := 0; acks < total+misrouted; acks++ {
		if _, err := conn.InboundAck(ctx); err != nil {
			t.Fatalf("%d acks: %v", acks, err)
		}
	}
	for id, a := range replies {
		profile, _ := a.Metadata["profile"].(string)
		want := `{"profile":"` + profile + `","key_sha256":"` + sha(shardKey(profile)) + `"}`
		if !strings.HasPrefix(id, profile+"-m") || a.Content != want {
			t.Errorf("reply to %s: %+v; want %s", id, a, want)
		}
	}
	// Who answered: each gateway sent replies only for its own shard's
	// profiles, for exactly the messages routed to it.
	answered := 0
	for instance, cn := range byInstance {
		var idx int
		fmt.Sscanf(instance, "wasmgw-%d", &idx)
		sends, profiles := 0, map[string]bool{}
		for _, f := range cn.Sent() {
			if f.Action.Op != opSend {
				continue
			}
			p, _ := f.Action.Metadata["profile"].(string)
			if shard.Of(p, gateways) != idx || pushedTo[f.Action.ReplyTo] != instance {
				t.Errorf("%s answered %s (profile %s, shard %d/%d)", instance, f.Action.ReplyTo, p, shard.Of(p, gateways), gateways)
			}
			sends++
			profiles[p] = true
		}
		answered += sends
		t.Logf("gateway %s (shard %d/%d): %d profiles, %d messages answered", instance, idx, gateways, len(profiles), sends)
	}
	if answered != total {
		t.Fatalf("%d replies over the connections, want %d", answered, total)
	}
	if f, ok := conn.PendingOutbound(); ok && f.Action.Op == opSend {
		t.Fatalf("an extra reply (a misrouted message must be dropped): %+v", f.Action)
	}
	for instance, p := range procs {
		if strings.Contains(p.stderr.String(), "the connector routed it to the wrong gateway") {
			continue
		}
		owner := false
		for _, name := range names[:3] {
			if fmt.Sprintf("wasmgw-%d", (shard.Of(name, gateways)+1)%gateways) == instance {
				owner = true
			}
		}
		if owner {
			p.seen(t, ctx, p.stderr, "the connector routed it to the wrong gateway")
		}
	}
	t.Logf("%d gateways, %d profiles, %d messages: %d answered once each by the owning gateway; %d misrouted messages dropped",
		gateways, len(names), total+misrouted, answered, misrouted)
	for _, p := range procs {
		noLeak(t, home, p.stdout.String()+p.stderr.String(), gatewaySecret)
	}
}

// TestGatewayShardFlagErrors: a bad --shard is a usage error naming the
// flag; a shard that owns none of the profiles says so.
func TestGatewayShardFlagErrors(t *testing.T) {
	t.Parallel()
	home, _ := shardHome(t, 1)
	env := []string{relay.EnvURL + "=http://127.0.0.1:1"}
	r := run(t, "", env, "gateway", "--home", home, "--shard", "3/3", cacheFlag())
	if r.code != 2 || !strings.Contains(r.stderr, "--shard") || !strings.Contains(r.stderr, "0 <= I < N") {
		t.Fatalf("--shard 3/3: exit %d, stderr %q", r.code, r.stderr)
	}
	// tenant-00 is owned by exactly one of two shards; the other owns nothing.
	empty := 1 - shard.Of("tenant-00", 2)
	r = run(t, "", env, "gateway", "--home", home, "--shard", fmt.Sprintf("%d/2", empty), cacheFlag())
	if r.code == 0 || !strings.Contains(r.stderr, "owns none of the 1 profiles") {
		t.Fatalf("empty shard: exit %d, stderr %q", r.code, r.stderr)
	}
}

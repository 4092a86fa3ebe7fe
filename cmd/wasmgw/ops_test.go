package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// opsConfig is a profile whose whoami may read OPENAI_API_KEY when grant
// is true.
func opsConfig(grant bool) string {
	g := ""
	if grant {
		g = "OPENAI_API_KEY"
	}
	return "wasmgw:\n  modules:\n    whoami:\n      path: builtin:whoami\n      grants: [" + g + "]\n"
}

func opsEnv(name string) string { return "OPENAI_API_KEY=sk-test-" + name + "-ops-4d1f9a\n" }

func writeOpsProfile(t *testing.T, home, name, config string) {
	t.Helper()
	dir := filepath.Join(home, "profiles", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(opsEnv(name)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Write then rename, as a deployment tool does: a reload never reads
	// half a file.
	tmp := filepath.Join(dir, ".config.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
}

// startOpsGateway runs "wasmgw gateway" with metrics on a home, against a
// test connector, and returns the process, the connector and the metrics
// base URL.
func startOpsGateway(t *testing.T, ctx context.Context, home string, extra ...string) (*proc, *relaytest.Connector, string) {
	t.Helper()
	conn := relaytest.New(t, relaytest.Options{RequireAuth: true, Secrets: []string{gatewaySecret}})
	args := append([]string{"gateway", "--home", home, cacheFlag(), "--metrics-addr", "127.0.0.1:0"}, extra...)
	p := start(t, []string{relay.EnvURL + "=" + conn.URL(), relay.EnvID + "=gw-ops-test", relay.EnvSecret + "=" + gatewaySecret}, args...)
	if _, err := conn.WaitConnected(ctx); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	p.seen(t, ctx, p.stderr, "metrics: serving")
	m := regexp.MustCompile(`metrics: serving[^\n]* addr=(\S+)`).FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", p.stderr)
	}
	return p, conn, "http://" + m[1]
}

// get fetches url and returns its status and body.
func get(t *testing.T, ctx context.Context, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// hup sends SIGHUP and waits for the reload's log line (the n-th).
func hup(t *testing.T, ctx context.Context, p *proc, n int) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for {
		if strings.Count(p.stderr.String(), "reload: done") >= n {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("the gateway exited %d on SIGHUP\nstderr:\n%s", p.code, p.stderr)
		case <-ctx.Done():
			t.Fatalf("no reload %d logged\nstderr:\n%s", n, p.stderr)
		case <-p.stderr.Seen("reload: done"):
		}
	}
}

// collect reads outbound send actions until want (by reply_to) and acks
// all arrived.
func collect(t *testing.T, ctx context.Context, p *proc, conn *relaytest.Connector, replies map[string]string, acks map[string]bool, want, wantAcks []string) {
	t.Helper()
	for _, id := range want {
		for replies[id] == "" {
			f, err := conn.Outbound(ctx)
			if err != nil {
				t.Fatalf("waiting for the reply to %s (have %v): %v\nstderr:\n%s", id, replies, err, p.stderr)
			}
			if f.Action.Op == opSend {
				if _, dup := replies[f.Action.ReplyTo]; dup {
					t.Errorf("a second reply to %s: %q", f.Action.ReplyTo, f.Action.Content)
				}
				replies[f.Action.ReplyTo] = f.Action.Content
			}
		}
	}
	for _, id := range wantAcks {
		for !acks[id] {
			got, err := conn.InboundAck(ctx)
			if err != nil {
				t.Fatalf("waiting for the ack of %s (have %v): %v", id, acks, err)
			}
			acks[got] = true
		}
	}
}

// TestGatewayReloadsOnSIGHUPUnderTraffic: the real command, with messages
// in flight, is sent SIGHUP after a profile is added, one removed and one
// reconfigured (its grant revoked). It does not exit; every message
// accepted is answered once and acknowledged; the added profile answers;
// the revoked grant is refused on the next call; the removed profile's
// later messages are dropped. A broken config is then refused with its
// file and line in the log and the audit trail, and the profile keeps its
// previous config. /metrics shows the expected series and no secret value.
func TestGatewayReloadsOnSIGHUPUnderTraffic(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{
		"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)},
		"beta":  {Env: opsEnv("beta"), Config: opsConfig(true)},
	})
	p, conn, base := startOpsGateway(t, ctx, home, "--metrics-profile-labels", "2")

	replies, acks := map[string]string{}, map[string]bool{}
	// One call answered on the first config, so the granted secret read is
	// on record whatever the reload below overtakes.
	if err := conn.Push(ctx, inboundFor("alpha", "a-first", "/call whoami {}")); err != nil {
		t.Fatal(err)
	}
	collect(t, ctx, p, conn, replies, acks, []string{"a-first"}, []string{"buf-a-first"})
	if !strings.Contains(replies["a-first"], `"key_sha256"`) {
		t.Fatalf("alpha's first call, before any reload, answered %q", replies["a-first"])
	}
	var before []string
	for i := range 8 {
		id := fmt.Sprintf("a%d", i)
		before = append(before, id)
		if err := conn.Push(ctx, inboundFor("alpha", id, "/call whoami {}")); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := conn.Push(ctx, inboundFor("beta", fmt.Sprintf("b%d", i), "ping")); err != nil {
			t.Fatal(err)
		}
	}
	// Reconfigure under traffic: add gamma, remove beta, revoke alpha's
	// grant; then SIGHUP.
	writeOpsProfile(t, home, "gamma", opsConfig(true))
	if err := os.RemoveAll(filepath.Join(home, "profiles", "beta")); err != nil {
		t.Fatal(err)
	}
	writeOpsProfile(t, home, "alpha", opsConfig(false))
	hup(t, ctx, p, 1)

	for _, in := range []relay.Inbound{
		inboundFor("alpha", "a-after", "/call whoami {}"),
		inboundFor("gamma", "g1", "/call whoami {}"),
		inboundFor("beta", "b-after", "ping"),
	} {
		if err := conn.Push(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	wantAcks := []string{"buf-a-after", "buf-g1", "buf-b-after", "buf-b0", "buf-b1", "buf-b2"}
	for _, id := range before {
		wantAcks = append(wantAcks, "buf-"+id)
	}
	collect(t, ctx, p, conn, replies, acks, append(before, "a-after", "g1"), wantAcks)
	for _, id := range before {
		if !strings.Contains(replies[id], `"key_sha256"`) && !strings.Contains(replies[id], "whoami failed") {
			t.Errorf("reply to %s (in flight during the reload): %q", id, replies[id])
		}
	}
	if !strings.Contains(replies["a-after"], "whoami failed") {
		t.Errorf("the call after revoking the grant was answered %q; want whoami's refusal", replies["a-after"])
	}
	if want := `{"profile":"gamma","key_sha256":"` + sha("sk-test-gamma-ops-4d1f9a") + `"}`; replies["g1"] != want {
		t.Errorf("added profile answered %q, want %s", replies["g1"], want)
	}
	if r, ok := replies["b-after"]; ok {
		t.Errorf("the removed profile answered %q", r)
	}

	// A broken config: refused with file and line, alpha keeps serving on
	// its previous (revoked) config.
	writeOpsProfile(t, home, "alpha", opsConfig(false)+"      limits:\n        timeout: soon\n")
	hup(t, ctx, p, 2)
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "keeps its previous config") || !strings.Contains(stderr, filepath.Join("alpha", "config.yaml")+" line 7") {
		t.Errorf("the refusal does not name the file and line:\n%s", stderr)
	}
	if err := conn.Push(ctx, inboundFor("alpha", "a-broken", "/call whoami {}")); err != nil {
		t.Fatal(err)
	}
	collect(t, ctx, p, conn, replies, acks, []string{"a-broken"}, []string{"buf-a-broken"})
	if !strings.Contains(replies["a-broken"], "whoami failed") {
		t.Errorf("after a refused config alpha answered %q; want its previous config's answer", replies["a-broken"])
	}
	audit, err := os.ReadFile(filepath.Join(home, "logs", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"kind":"reload","profile":"alpha"[^\n]*"outcome":"refused"[^\n]*config.yaml line 7`).Match(audit) {
		t.Errorf("no audit record of the refused config:\n%s", audit)
	}
	if r := run(t, "", nil, "audit", "log", "--home", home); r.code != 0 || !strings.Contains(r.stdout, " 0 malformed lines") || !strings.Contains(r.stdout, "reload") {
		t.Errorf("wasmgw audit log on the trail: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Metrics, scraped while serving, once the last turn is over: the
	// gateway counts a turn finished only after it wrote the turn's ack,
	// so the connector can see the ack before the gauge drops to 0.
	body := waitMetrics(t, ctx, base, `wasmgw_relay_turns_in_flight 0`)
	for _, series := range []string{
		`wasmgw_calls_total{call="handle",outcome="ok",profile="alpha"}`,
		`wasmgw_calls_total{call="tool",outcome="tool_error",profile="alpha"}`,
		`wasmgw_call_duration_seconds_bucket{call="handle",profile="alpha",le="+Inf"}`,
		`wasmgw_secret_reads_total{outcome="granted",profile="alpha"}`,
		`wasmgw_secret_reads_total{outcome="denied",profile="alpha"}`,
		`wasmgw_calls_total{call="handle",outcome="ok",profile="_other"}`, // gamma: beyond the 2 labels
		`wasmgw_instances{profile="alpha",state="idle"}`,
		`wasmgw_instances{profile="alpha",state="live"} 0`,
		`wasmgw_profiles{state="served"} 2`,
		`wasmgw_relay_connected 1`,
		`wasmgw_relay_inbound_total{outcome="accepted"}`,
		`wasmgw_relay_inbound_total{outcome="dropped"}`,
		`wasmgw_relay_outbound_total{outcome="sent"}`,
		`wasmgw_relay_acks_total{outcome="sent"}`,
		`wasmgw_relay_queued_messages 0`,
		`wasmgw_relay_turns_in_flight 0`,
		`wasmgw_relay_reconnects_total 0`,
		`wasmgw_reloads_total{result="ok"} 1`,
		`wasmgw_reloads_total{result="partial"} 1`,
		`wasmgw_reload_refused_profiles_total 1`,
		`wasmgw_reload_duration_seconds`,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	if strings.Contains(body, `profile="gamma"`) {
		t.Error("a profile beyond --metrics-profile-labels has its own label")
	}
	noLeak(t, home, body+p.stdout.String()+p.stderr.String(), gatewaySecret,
		"sk-test-alpha-ops-4d1f9a", "sk-test-beta-ops-4d1f9a", "sk-test-gamma-ops-4d1f9a")
	if strings.Contains(body, "OPENAI_API_KEY") {
		t.Error("/metrics names a secret")
	}
	if code, _ := get(t, ctx, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	select {
	case <-p.done:
		t.Fatalf("the gateway exited %d\nstderr:\n%s", p.code, p.stderr)
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("exit %d after SIGTERM\nstderr:\n%s", code, p.stderr)
	}
}

// waitStatus polls url until it answers want (a condition, not a timed
// sleep: each poll waits for the previous answer).
func waitStatus(t *testing.T, ctx context.Context, url string, want int) string {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		code, body := get(t, ctx, url)
		if code == want {
			return body
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %d %q, want %d", url, code, body, want)
		case <-tick.C:
		}
	}
}

// waitMetrics scrapes base's /metrics until it shows every one of lines
// (a condition, not a timed sleep: each scrape waits for the previous
// answer) and returns that scrape's body. It is for values the gateway
// updates after the event a test can observe (a gauge that drops once a
// turn's ack is written, a counter bumped after a state change).
func waitMetrics(t *testing.T, ctx context.Context, base string, lines ...string) string {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		code, body := get(t, ctx, base+"/metrics")
		missing := ""
		for _, l := range lines {
			if !strings.Contains(body, l+"\n") {
				missing = l
				break
			}
		}
		if code == http.StatusOK && missing == "" {
			return body
		}
		select {
		case <-ctx.Done():
			t.Fatalf("/metrics: %d; waiting for %s:\n%s", code, missing, grepLines(body, "wasmgw_"))
		case <-tick.C:
		}
	}
}

// TestReadyzFollowsTheRelayConnection: /readyz is 200 while the relay is
// connected and profiles are loaded, 503 (saying why) while the connector
// is down, and 200 again once the gateway reconnects; /healthz stays 200.
func TestReadyzFollowsTheRelayConnection(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)}})
	p, conn, base := startOpsGateway(t, ctx, home)
	waitStatus(t, ctx, base+"/readyz", http.StatusOK)
	conn.Stop()
	if body := waitStatus(t, ctx, base+"/readyz", http.StatusServiceUnavailable); !strings.Contains(body, "relay") {
		t.Errorf("/readyz body %q does not say the relay is down", body)
	}
	if code, _ := get(t, ctx, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while the relay is down: %d", code)
	}
	conn.Start()
	waitStatus(t, ctx, base+"/readyz", http.StatusOK)
	// The handshake marks the gateway ready before it counts the
	// reconnect: /readyz can answer 200 while the counter is still 0.
	waitMetrics(t, ctx, base, "wasmgw_relay_reconnects_total 1")
	_ = p
}

// TestRunRelayReloadsOnSIGHUP: the trial (run --relay) keeps serving on
// SIGHUP, applies a changed config from the next message and says so.
func TestRunRelayReloadsOnSIGHUP(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)}})
	p := start(t, nil, "run", "--home", home, cacheFlag(), "--profile", "alpha", "--relay", "--log-level", "info")
	p.seen(t, ctx, p.stdout, "Serving profile alpha")
	if _, err := io.WriteString(p.stdin, "/call whoami {}\n"); err != nil {
		t.Fatal(err)
	}
	p.seen(t, ctx, p.stdout, "key_sha256")
	writeOpsProfile(t, home, "alpha", opsConfig(false))
	hup(t, ctx, p, 1)
	if _, err := io.WriteString(p.stdin, "/call whoami {}\n"); err != nil {
		t.Fatal(err)
	}
	p.seen(t, ctx, p.stdout, "whoami failed")
	p.stdin.Close()
	if code := p.wait(t, ctx); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "changed=1") {
		t.Errorf("the reload's log line does not count the change:\n%s", p.stderr)
	}
}

func grepLines(text, prefix string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}

// TestGatewayWatchServesANewProfile: with --watch, a profile directory
// written into the home is served without a signal.
func TestGatewayWatchServesANewProfile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alpha": {Env: opsEnv("alpha"), Config: opsConfig(true)}})
	p, conn, _ := startOpsGateway(t, ctx, home, "--watch", "--watch-debounce", "50ms")
	p.seen(t, ctx, p.stderr, "watching the home")
	// Staged and renamed into place, as a deployment should: a reload
	// never sees the directory without its config.
	stage := filepath.Join(home, ".staging")
	writeOpsProfile(t, stage, "gamma", opsConfig(true))
	if err := os.Rename(filepath.Join(stage, "profiles", "gamma"), filepath.Join(home, "profiles", "gamma")); err != nil {
		t.Fatal(err)
	}
	p.seen(t, ctx, p.stderr, "added=1")
	if err := conn.Push(ctx, inboundFor("gamma", "g1", "/call whoami {}")); err != nil {
		t.Fatal(err)
	}
	replies, acks := map[string]string{}, map[string]bool{}
	collect(t, ctx, p, conn, replies, acks, []string{"g1"}, []string{"buf-g1"})
	if !strings.Contains(replies["g1"], sha("sk-test-gamma-ops-4d1f9a")) {
		t.Errorf("the watched-in profile answered %q", replies["g1"])
	}
}

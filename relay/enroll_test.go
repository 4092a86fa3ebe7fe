package relay_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
	"github.com/wasmgw/wasmgw/relay/relaytest"
	"github.com/wasmgw/wasmgw/runtime"
)

func TestEnrollAndWriteCredentials(t *testing.T) {
	ctx := testCtx(t)
	conn := relaytest.New(t, relaytest.Options{})
	const secret = `s3c #ret "quoted" \ back`
	conn.SetEnroll(func(r relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: 200, Body: map[string]any{"secret": secret, "deliveryKey": "dk-1", "tenant": "acme", "gatewayId": "gw-issued"}}
	})
	cfg := relay.Config{URL: conn.URL() + "/", GatewayID: "gw-mine", AccessToken: "identity-token-1"}
	creds, err := relay.Enroll(ctx, cfg, nil, " enroll-token-1 ", "https://wake.example/")
	if err != nil {
		t.Fatal(err)
	}
	if creds.GatewayID != "gw-issued" || creds.Secret.Reveal() != secret || creds.DeliveryKey.Reveal() != "dk-1" || creds.Tenant != "acme" {
		t.Fatalf("%+v", creds)
	}
	reqs := conn.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/relay/enroll" || reqs[0].Authorization != "Bearer identity-token-1" {
		t.Fatalf("requests %+v", reqs)
	}
	want := map[string]any{"enrollmentToken": "enroll-token-1", "gatewayId": "gw-mine", "wakeUrl": "https://wake.example"}
	if !reflect.DeepEqual(reqs[0].Body, want) {
		t.Fatalf("body %v, want %v", reqs[0].Body, want)
	}

	dir := t.TempDir()
	env := filepath.Join(dir, ".env")
	old := "# gateway settings\nFOO=bar # keep\n\nexport GATEWAY_RELAY_ID=old-id\nGATEWAY_RELAY_SECRET=old\nOTHER='x y'\nGATEWAY_RELAY_SECRET=dup\n"
	if err := os.WriteFile(env, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := relay.WriteCredentials(env, creds); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, keep := range []string{"# gateway settings\n", "FOO=bar # keep\n", "OTHER='x y'\n"} {
		if !strings.Contains(text, keep) {
			t.Fatalf("lost %q:\n%s", keep, text)
		}
	}
	if strings.Count(text, "GATEWAY_RELAY_SECRET=") != 1 || strings.Contains(text, "old") {
		t.Fatalf("not replaced:\n%s", text)
	}
	vars, err := runtime.ReadDotenv(env)
	if err != nil {
		t.Fatal(err)
	}
	if vars["GATEWAY_RELAY_ID"] != "gw-issued" || vars["GATEWAY_RELAY_SECRET"] != secret || vars["GATEWAY_RELAY_DELIVERY_KEY"] != "dk-1" || vars["FOO"] != "bar" {
		t.Fatalf("parsed back %q", vars)
	}
	if st, _ := os.Stat(env); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	// A new file is created 0600; a value with a line break is refused.
	fresh := filepath.Join(dir, "new.env")
	if err := relay.WriteCredentials(fresh, relay.Credentials{GatewayID: "g", Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fresh); string(b) != "GATEWAY_RELAY_ID=g\nGATEWAY_RELAY_SECRET=s\nGATEWAY_RELAY_DELIVERY_KEY=\n" {
		t.Fatalf("new file %q", b)
	}
	if err := relay.WriteCredentials(fresh, relay.Credentials{GatewayID: "g", Secret: "a\nb"}); err == nil {
		t.Fatal("line break written")
	}
}

func TestEnrollRefused(t *testing.T) {
	ctx := testCtx(t)
	conn := relaytest.New(t, relaytest.Options{})
	conn.SetEnroll(func(relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: 403, Body: map[string]any{"error": "token enroll-token-2 already used by identity-token-2"}}
	})
	cfg := relay.Config{URL: conn.URL(), AccessToken: "identity-token-2"}
	_, err := relay.Enroll(ctx, cfg, nil, "enroll-token-2", "")
	if !errors.Is(err, relay.ErrEnrollmentRefused) || !strings.Contains(err.Error(), "enrollment refused") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "enroll-token-2") || strings.Contains(err.Error(), "identity-token-2") {
		t.Fatalf("error leaks a token: %v", err)
	}
	if b := conn.Requests()[0].Body; b["wakeUrl"] != nil || b["gatewayId"] != relay.DefaultGatewayID() {
		t.Fatalf("body %v", b)
	}
	conn.SetEnroll(func(relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: 200, Body: map[string]any{"tenant": "t"}}
	})
	if _, err := relay.Enroll(ctx, cfg, nil, "e", ""); err == nil || !strings.Contains(err.Error(), "no secret") {
		t.Fatalf("answer without secret: %v", err)
	}
}

func provisionConfig(url string) relay.Config {
	return relay.Config{
		URL: url, AccessToken: "identity-token-3", GatewayID: "gw-p",
		Identities: []relay.Identity{{Platform: "discord", BotID: "bd", DisplayName: "Disco"}, {Platform: "telegram", BotID: "bt"}},
		Endpoint:   "https://gw.example", RouteKeys: []string{"g1"}, InstanceID: "inst-1",
	}
}

func TestProvisionBodies(t *testing.T) {
	ctx := testCtx(t)
	conn := relaytest.New(t, relaytest.Options{})
	creds, ok := relay.Provision(ctx, provisionConfig(conn.URL()), nil, quiet)
	if !ok || creds.GatewayID != "gw-p" || creds.Secret.Reveal() != "provisioned-secret" || creds.Tenant != "t1" || !reflect.DeepEqual(creds.RouteKeys, []string{"g1"}) {
		t.Fatalf("%+v %v", creds, ok)
	}
	reqs := conn.Requests()
	want := []map[string]any{
		{"gatewayId": "gw-p", "platform": "discord", "botId": "bd", "gatewayEndpoint": "https://gw.example", "routeKeys": []any{"g1"}, "instanceId": "inst-1", "displayName": "Disco"},
		{"gatewayId": "gw-p", "platform": "telegram", "botId": "bt", "gatewayEndpoint": "https://gw.example", "routeKeys": []any{"g1"}, "instanceId": "inst-1"},
	}
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if r.Path != "/relay/provision" || r.Authorization != "Bearer identity-token-3" || !reflect.DeepEqual(r.Body, want[i]) {
			t.Fatalf("request %d: %+v\nwant body %v", i, r, want[i])
		}
	}
	// Unset optional fields are absent; an empty endpoint is "".
	cfg := provisionConfig(conn.URL())
	cfg.InstanceID, cfg.Endpoint, cfg.RouteKeys, cfg.WakeURL = "", "", nil, "https://wake.example"
	cfg.Identities = cfg.Identities[1:]
	relay.Provision(ctx, cfg, nil, quiet)
	b := conn.Requests()[2].Body
	if _, has := b["instanceId"]; has || b["gatewayEndpoint"] != "" || b["wakeUrl"] != "https://wake.example" || b["displayName"] != nil || !reflect.DeepEqual(b["routeKeys"], []any{}) {
		t.Fatalf("body %v", b)
	}
}

func TestProvisionPartialAnswers(t *testing.T) {
	ctx := testCtx(t)
	conn := relaytest.New(t, relaytest.Options{})
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	answers := map[string]relaytest.HTTPAnswer{
		"a": {Status: 500, Body: map[string]any{"error": "boom"}},
		"b": {Status: 200, Body: "not json"},
		"c": {Status: 200, Body: map[string]any{"tenant": "t"}}, // neither secret nor secretIssued
		"d": {Status: 200, Body: map[string]any{"secretIssued": false}},
		"e": {Status: 200, Body: map[string]any{"secret": "secret-from-e", "deliveryKey": "dk-e", "gatewayId": "gw-e"}},
		"f": {Status: 200, Body: map[string]any{"secret": "secret-from-f"}},
	}
	conn.SetProvision(func(r relaytest.HTTPRequest) relaytest.HTTPAnswer { return answers[r.Body["platform"].(string)] })
	cfg := provisionConfig(conn.URL())
	cfg.Identities = nil
	for _, p := range []string{"a", "b", "c", "d", "e", "f"} {
		cfg.Identities = append(cfg.Identities, relay.Identity{Platform: p})
	}
	creds, ok := relay.Provision(ctx, cfg, nil, log)
	if !ok || creds.Secret.Reveal() != "secret-from-e" || creds.GatewayID != "gw-e" {
		t.Fatalf("%+v %v", creds, ok)
	}
	if n := len(conn.Requests()); n != 6 {
		t.Fatalf("%d requests; every identity is tried", n)
	}
	out := logs.String()
	for _, s := range []string{"platform=a", "platform=b", "malformed answer", "secretIssued false", "issued no secret"} {
		if !strings.Contains(out, s) {
			t.Errorf("logs lack %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"secret-from-e", "secret-from-f", "dk-e", "identity-token-3"} {
		if strings.Contains(out, s) {
			t.Fatalf("logs leak %q:\n%s", s, out)
		}
	}
	// Nothing but secretIssued false: a valid answer, no credentials.
	conn.SetProvision(func(relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: 200, Body: map[string]any{"secretIssued": false}}
	})
	if _, ok := relay.Provision(ctx, provisionConfig(conn.URL()), nil, quiet); ok {
		t.Fatal("credentials without a secret")
	}
}

func TestProvisionSkips(t *testing.T) {
	ctx := testCtx(t)
	conn := relaytest.New(t, relaytest.Options{})
	pinned := provisionConfig(conn.URL())
	pinned.Secret = "pinned"
	noToken := provisionConfig(conn.URL())
	noToken.AccessToken = " "
	noURL := provisionConfig("")
	for _, cfg := range []relay.Config{pinned, noToken, noURL} {
		if _, ok := relay.Provision(ctx, cfg, nil, quiet); ok {
			t.Fatal("provisioned")
		}
	}
	if n := len(conn.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
	// An unreachable connector never stops the boot.
	dead := provisionConfig("http://127.0.0.1:1")
	if _, ok := relay.Provision(ctx, dead, nil, quiet); ok {
		t.Fatal("provisioned from nowhere")
	}
}

func TestProvisionRedirectToAnotherHostNotFollowed(t *testing.T) {
	ctx := testCtx(t)
	var hits atomic.Int32
	var sawBearer atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			sawBearer.Store(true)
		}
		w.Write([]byte(`{"secret":"stolen"}`))
	}))
	defer other.Close()
	conn := relaytest.New(t, relaytest.Options{})
	conn.SetProvision(func(relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: http.StatusTemporaryRedirect, Location: other.URL + "/relay/provision"}
	})
	conn.SetEnroll(func(relaytest.HTTPRequest) relaytest.HTTPAnswer {
		return relaytest.HTTPAnswer{Status: http.StatusTemporaryRedirect, Location: other.URL + "/relay/enroll"}
	})
	var logs bytes.Buffer
	if _, ok := relay.Provision(ctx, provisionConfig(conn.URL()), &http.Client{}, slog.New(slog.NewTextHandler(&logs, nil))); ok {
		t.Fatal("provisioned through a redirect")
	}
	if _, err := relay.Enroll(ctx, provisionConfig(conn.URL()), nil, "e", ""); err == nil {
		t.Fatal("enrolled through a redirect")
	}
	if hits.Load() != 0 || sawBearer.Load() {
		t.Fatalf("the other host got %d requests (bearer %v)", hits.Load(), sawBearer.Load())
	}
	if !strings.Contains(logs.String(), "redirect to another host") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// quiet discards log lines.
var quiet = slog.New(slog.DiscardHandler)

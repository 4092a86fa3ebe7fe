package relay_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const configYAML = `
gateway:
  relay_url: https://file.example/base/
  relay_id: file-id
  relay_secret: file-secret
  relay_platforms: [discord, telegram]
  relay_bot_ids:
    discord: {botId: file-d, displayName: Disco}
    telegram: {botId: file-t}
  relay_endpoint: https://gw.file.example/
  relay_route_keys: "g1, g2"
  relay_instance_id: inst-file
  relay_wake_url: https://wake.file.example/
  relay_access_token_file: token.txt
  profiles: [alice, bob]
`

func TestConfigFileOnly(t *testing.T) {
	cfg, err := relay.ParseConfig(envOf(nil), []byte(configYAML))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "https://file.example/base" || cfg.GatewayID != "file-id" || cfg.Secret.Reveal() != "file-secret" ||
		cfg.Endpoint != "https://gw.file.example" || cfg.InstanceID != "inst-file" || cfg.WakeURL != "https://wake.file.example" ||
		cfg.AccessTokenFile != "token.txt" || !reflect.DeepEqual(cfg.RouteKeys, []string{"g1", "g2"}) ||
		!reflect.DeepEqual(cfg.Profiles, []string{"alice", "bob"}) {
		t.Fatalf("%+v", cfg)
	}
	want := []relay.Identity{{Platform: "discord", BotID: "file-d", DisplayName: "Disco"}, {Platform: "telegram", BotID: "file-t"}}
	if !reflect.DeepEqual(cfg.Identities, want) {
		t.Fatalf("identities %+v", cfg.Identities)
	}
	if cfg.DialURL() != "wss://file.example/base/relay" || !cfg.Authenticated() {
		t.Fatalf("dial %s auth %v", cfg.DialURL(), cfg.Authenticated())
	}
}

func TestConfigEnvironmentFirst(t *testing.T) {
	env := map[string]string{
		relay.EnvURL:         " http://env.example/relay/ ",
		relay.EnvID:          "env-id",
		relay.EnvSecret:      "env-secret",
		relay.EnvPlatforms:   "slack",
		relay.EnvBotIDs:      `{"slack": {"botId": 42}}`,
		relay.EnvRouteKeys:   "a,,b ,",
		relay.EnvInstanceID:  "inst-env",
		relay.EnvAccessToken: " tok ",
		relay.EnvDeliveryKey: "dk",
	}
	cfg, err := relay.ParseConfig(envOf(env), []byte(configYAML))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "http://env.example/relay" || cfg.DialURL() != "ws://env.example/relay" || cfg.GatewayID != "env-id" ||
		cfg.Secret.Reveal() != "env-secret" || cfg.InstanceID != "inst-env" || cfg.AccessToken.Reveal() != "tok" ||
		cfg.DeliveryKey.Reveal() != "dk" || !reflect.DeepEqual(cfg.RouteKeys, []string{"a", "b"}) {
		t.Fatalf("%+v", cfg)
	}
	if !reflect.DeepEqual(cfg.Identities, []relay.Identity{{Platform: "slack", BotID: "42"}}) {
		t.Fatalf("identities %+v", cfg.Identities)
	}
	// Unset environment values fall through to the file.
	if cfg.Endpoint != "https://gw.file.example" || cfg.WakeURL != "https://wake.file.example" {
		t.Fatalf("file fallbacks: %+v", cfg)
	}
	// Printing never shows a credential.
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v %#v %v", cfg, cfg, cfg.Secret)} {
		for _, secret := range []string{"env-secret", "dk"} {
			if strings.Contains(s, "\""+secret+"\"") || strings.Contains(s, "="+secret) {
				t.Fatalf("%s printed: %s", secret, s)
			}
		}
	}
}

func TestConfigDefaultsAndPairs(t *testing.T) {
	cfg, err := relay.ParseConfig(envOf(map[string]string{relay.EnvURL: "https://x", relay.EnvID: "id", relay.EnvSecret: "   "}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Authenticated() {
		t.Fatal("a whitespace secret authenticates")
	}
	if !reflect.DeepEqual(cfg.Identities, []relay.Identity{{Platform: "relay"}}) {
		t.Fatalf("identities %+v", cfg.Identities)
	}
	cfg, _ = relay.ParseConfig(envOf(map[string]string{relay.EnvPlatform: "discord", relay.EnvBotID: "b"}), nil)
	if !reflect.DeepEqual(cfg.Identities, []relay.Identity{{Platform: "discord", BotID: "b"}}) {
		t.Fatalf("legacy scalars: %+v", cfg.Identities)
	}
	cfg, _ = relay.ParseConfig(envOf(map[string]string{relay.EnvPlatforms: "discord", relay.EnvBotIDs: "{bad", relay.EnvPlatform: "x"}), nil)
	if !reflect.DeepEqual(cfg.Identities, []relay.Identity{{Platform: "discord"}}) || len(cfg.Warnings) != 1 {
		t.Fatalf("bad JSON: %+v %q", cfg.Identities, cfg.Warnings)
	}
}

func TestLoadConfigTokenFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte(" file-token \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := relay.LoadConfig(envOf(nil), path)
	if err != nil || cfg.AccessToken.Reveal() != "file-token" {
		t.Fatalf("%v %v", cfg.AccessToken.Usable(), err)
	}
	cfg, err = relay.LoadConfig(envOf(map[string]string{relay.EnvAccessToken: "env-token"}), path)
	if err != nil || cfg.AccessToken.Reveal() != "env-token" {
		t.Fatalf("env token does not win: %v", err)
	}
	if _, err := relay.LoadConfig(envOf(nil), filepath.Join(dir, "missing.yaml")); err != nil {
		t.Fatalf("missing file: %v", err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for yaml, key := range map[string]string{
		"gateway: [1]":                        "gateway",
		"gateway: {relay_url: [a]}":           "gateway.relay_url",
		"gateway: {relay_route_keys: {a: 1}}": "gateway.relay_route_keys",
		"gateway: {profiles: [[alice]]}":      "gateway.profiles[0]",
	} {
		_, err := relay.ParseConfig(nil, []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v; want it to name %s", yaml, err, key)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(configYAML), "https://e/", "secret-value-1", `{"discord":{"botId":"b"}}`)
	f.Add([]byte("gateway:\n  relay_secret: file-secret-2\n  relay_bot_ids: '{\"a\": 1}'\n"), "", "", "")
	f.Add([]byte("{"), "x", "y", "z")
	f.Add([]byte("gateway: &a {relay_url: *a}"), "", "", "[]")
	f.Fuzz(func(t *testing.T, data []byte, url, secret, botIDs string) {
		env := map[string]string{relay.EnvURL: url, relay.EnvSecret: secret, relay.EnvBotIDs: botIDs, relay.EnvPlatforms: "discord"}
		cfg, err := relay.ParseConfig(envOf(env), data)
		if err != nil {
			return
		}
		if len(cfg.Identities) == 0 || strings.HasSuffix(cfg.URL, "/") {
			t.Fatalf("%+v", cfg)
		}
		// A credential never prints, whatever it is.
		if s := cfg.Secret.Reveal(); len(s) >= 8 && strings.Contains(fmt.Sprint(cfg), s) && !strings.Contains(cfg.URL+cfg.GatewayID+cfg.Endpoint+cfg.WakeURL+cfg.InstanceID+cfg.AccessTokenFile+fmt.Sprint(cfg.Identities, cfg.RouteKeys), s) {
			t.Fatalf("secret printed: %s", cfg)
		}
		_ = cfg.DialURL()
	})
}

// TestConfigDefaultProfile: gateway.default_profile is read (stripped); a
// value of the wrong shape names the key.
func TestConfigDefaultProfile(t *testing.T) {
	t.Parallel()
	cfg, err := relay.ParseConfig(envOf(nil), []byte("gateway:\n  default_profile: \" alice \"\n"))
	if err != nil || cfg.DefaultProfile != "alice" {
		t.Fatalf("%q, %v", cfg.DefaultProfile, err)
	}
	_, err = relay.ParseConfig(envOf(nil), []byte("gateway:\n  default_profile: [a, b]\n"))
	if err == nil || !strings.Contains(err.Error(), "gateway.default_profile") {
		t.Fatalf("error %v; want one naming gateway.default_profile", err)
	}
}

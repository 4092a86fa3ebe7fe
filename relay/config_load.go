package relay

// This file resolves a Config from the environment and the gateway config
// file, and reports a bad value as a ConfigError.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ConfigError names the config file and key of a bad value; it never
// carries the value.
type ConfigError struct {
	File string
	Key  string
	Msg  string
}

// Error names the file and the key, never the value.
func (e *ConfigError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("relay config: %s: %s", e.Key, e.Msg)
	}
	return fmt.Sprintf("relay config %s: %s: %s", e.File, e.Key, e.Msg)
}

// LoadConfig resolves the relay configuration from env (the gateway's own
// environment, injected) and the gateway config file at path (the home's
// config.yaml; a missing file is no error). When no identity token is set
// in the environment, the token file is read here; a relative path from the
// config file is relative to the file's directory.
func LoadConfig(env func(string) string, path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("relay config: %w", err)
	}
	cfg, err := parseConfig(env, path, data)
	if err != nil {
		return Config{}, err
	}
	if cfg.AccessToken == "" && cfg.AccessTokenFile != "" {
		file := cfg.AccessTokenFile
		if env(EnvAccessTokenFile) == "" && !filepath.IsAbs(file) && path != "" {
			file = filepath.Join(filepath.Dir(path), file)
		}
		tok, err := os.ReadFile(file)
		switch {
		case err != nil:
			// The error text names the path only, never content.
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("identity token file %s: %v", file, errors.Unwrap(err)))
		default:
			cfg.AccessToken = Secret(strings.TrimSpace(string(tok)))
		}
	}
	return cfg, nil
}

// ParseConfig is [LoadConfig] on the bytes of a gateway config file,
// reading no file at all (the identity token file is named, not read).
func ParseConfig(env func(string) string, data []byte) (Config, error) {
	return parseConfig(env, "", data)
}

func parseConfig(env func(string) string, file string, data []byte) (Config, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	g, top, err := gatewaySection(file, data)
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	get := func(envName, key string) (string, error) {
		if v := strings.TrimSpace(env(envName)); v != "" {
			return v, nil
		}
		if key == "" {
			return "", nil
		}
		return g.scalar(key)
	}
	fields := []struct {
		env, key string
		dst      *string
		url      bool
	}{
		{EnvURL, "relay_url", &cfg.URL, true},
		{EnvID, "relay_id", &cfg.GatewayID, false},
		{EnvEndpoint, "relay_endpoint", &cfg.Endpoint, true},
		{EnvInstanceID, "relay_instance_id", &cfg.InstanceID, false},
		{EnvWakeURL, "relay_wake_url", &cfg.WakeURL, true},
		{EnvAccessTokenFile, "relay_access_token_file", &cfg.AccessTokenFile, false},
		{"", "default_profile", &cfg.DefaultProfile, false},
	}
	for _, f := range fields {
		v, err := get(f.env, f.key)
		if err != nil {
			return Config{}, err
		}
		if f.url {
			v = strings.TrimRight(v, "/")
		}
		*f.dst = v
	}
	secret, err := get(EnvSecret, "relay_secret")
	if err != nil {
		return Config{}, err
	}
	cfg.Secret = Secret(secret)
	cfg.DeliveryKey = Secret(strings.TrimSpace(env(EnvDeliveryKey)))
	cfg.AccessToken = Secret(strings.TrimSpace(env(EnvAccessToken)))

	if v := strings.TrimSpace(env(EnvRouteKeys)); v != "" {
		cfg.RouteKeys = splitList(v)
	} else if cfg.RouteKeys, err = g.list("relay_route_keys"); err != nil {
		return Config{}, err
	}
	if cfg.Identities, err = identities(env, g, &cfg.Warnings); err != nil {
		return Config{}, err
	}
	if cfg.Profiles, err = g.list("profiles"); err != nil {
		return Config{}, err
	}
	routes := top.get("profile_routes")
	key := "profile_routes"
	if routes == nil {
		routes, key = g.get("profile_routes"), "gateway.profile_routes"
	}
	if cfg.ProfileRoutes, err = parseRoutes(file, key, routes); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime"
)

// Environment variables of the relay settings. They are host settings:
// read from the gateway's own environment (injected), never by a guest.
const (
	EnvURL             = "GATEWAY_RELAY_URL"
	EnvID              = "GATEWAY_RELAY_ID"
	EnvSecret          = "GATEWAY_RELAY_SECRET"
	EnvDeliveryKey     = "GATEWAY_RELAY_DELIVERY_KEY"
	EnvPlatforms       = "GATEWAY_RELAY_PLATFORMS"
	EnvBotIDs          = "GATEWAY_RELAY_BOT_IDS"
	EnvPlatform        = "GATEWAY_RELAY_PLATFORM"
	EnvBotID           = "GATEWAY_RELAY_BOT_ID"
	EnvEndpoint        = "GATEWAY_RELAY_ENDPOINT"
	EnvRouteKeys       = "GATEWAY_RELAY_ROUTE_KEYS"
	EnvInstanceID      = "GATEWAY_RELAY_INSTANCE_ID"
	EnvWakeURL         = "GATEWAY_RELAY_WAKE_URL"
	EnvAccessToken     = "GATEWAY_RELAY_ACCESS_TOKEN"
	EnvAccessTokenFile = "GATEWAY_RELAY_ACCESS_TOKEN_FILE"
)

// DefaultPlatform is the single identity's platform when none is
// configured: the generic relay plane.
const DefaultPlatform = "relay"

// Secret is a credential: the per-gateway secret, the delivery key or the
// identity token. It prints, logs and marshals as "[redacted]" (or "" when
// empty); [Secret.Reveal] is the only way to its value.
type Secret string

const redacted = "[redacted]"

// Reveal returns the value. Call it only where the value is used (signing,
// an Authorization header, the .env writer), never to print.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer: "[redacted]", or "" for no secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("relay.Secret(%q)", s.String()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML, ...).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Usable reports whether the secret has a non-whitespace character.
func (s Secret) Usable() bool { return usableSecret(string(s)) }

// Identity is one (platform, bot) pair the gateway fronts on its relay
// connection. The first identity of a [Config] is the primary.
type Identity struct {
	Platform string `json:"platform"`
	BotID    string `json:"botId"`
	// DisplayName is sent at provision when set: the "displayName" of the
	// platform's entry in GATEWAY_RELAY_BOT_IDS / relay_bot_ids.
	DisplayName string `json:"displayName,omitempty"`
}

// ProfileRoute is one entry of the gateway config's profile_routes: it sends
// an event whose source matches every field it sets to Profile. An empty
// field matches anything. See [MatchRoute] for the precedence.
type ProfileRoute struct {
	Name     string `json:"name,omitempty"`
	Platform string `json:"platform,omitempty"`
	// ScopeID is the scope (Discord guild, Slack workspace); the legacy key
	// guild_id is accepted.
	ScopeID string `json:"scope_id,omitempty"`
	// ChatID also matches an event in a thread of that chat (its
	// parent_chat_id), less specifically than the thread's own chat id.
	// The key channel_id is accepted.
	ChatID   string `json:"chat_id,omitempty"`
	ThreadID string `json:"thread_id,omitempty"`
	UserID   string `json:"user_id,omitempty"`
	Profile  string `json:"profile"`
}

// Config is the gateway's relay configuration: environment first, then the
// gateway: section of <home>/config.yaml (see [LoadConfig]). Printing or
// logging it never shows the secret, the delivery key or the identity
// token.
type Config struct {
	// URL is the connector's base URL (no trailing '/'); empty means the
	// relay is off.
	URL string
	// GatewayID and Secret authenticate the WebSocket upgrade, but only
	// together (see [Config.Authenticated]).
	GatewayID string
	Secret    Secret
	// DeliveryKey is kept for the contract; inbound does not use it.
	DeliveryKey Secret
	// Identities are the fronted (platform, bot) pairs in order; never
	// empty after loading (default ("relay", "")).
	Identities []Identity
	// Endpoint, RouteKeys, InstanceID and WakeURL are asserted at provision.
	Endpoint   string
	RouteKeys  []string
	InstanceID string
	WakeURL    string
	// AccessToken is the identity token for enroll and provision, read from
	// GATEWAY_RELAY_ACCESS_TOKEN or the file AccessTokenFile names.
	AccessToken     Secret
	AccessTokenFile string
	// ProfileRoutes route events the connector did not stamp with a profile.
	ProfileRoutes []ProfileRoute
	// DefaultProfile (gateway.default_profile) serves the events that are
	// neither stamped nor matched by a route; empty: the only profile
	// served, when the gateway serves exactly one, else they are dropped.
	DefaultProfile string
	// Profiles is the allowlist of profiles the gateway serves
	// (gateway.profiles); empty means every profile of the home.
	Profiles []string
	// Warnings are non-fatal problems found while loading (a bad
	// GATEWAY_RELAY_BOT_IDS, an unreadable token file); they never contain
	// a credential. The caller logs them.
	Warnings []string
}

// Enabled reports whether a connector URL is configured.
func (c Config) Enabled() bool { return c.URL != "" }

// Authenticated reports whether the dial carries an Authorization header:
// a gateway id and a usable secret, both set.
func (c Config) Authenticated() bool { return c.GatewayID != "" && c.Secret.Usable() }

// DialURL is the WebSocket URL derived from URL: https→wss, http→ws,
// trailing '/' removed, "/relay" appended unless already there.
func (c Config) DialURL() string { return dialURL(c.URL) }

func dialURL(base string) string {
	u := strings.TrimSpace(base)
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + u[len("https://"):]
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + u[len("http://"):]
	}
	u = strings.TrimRight(u, "/")
	if !strings.HasSuffix(u, "/relay") {
		u += "/relay"
	}
	return u
}

// httpURL maps the dial URL back to http(s) and appends "/relay/<name>":
// the enroll and provision endpoints live on the same host as the dial.
func (c Config) httpURL(name string) string {
	u := c.DialURL()
	switch {
	case strings.HasPrefix(u, "wss://"):
		u = "https://" + u[len("wss://"):]
	case strings.HasPrefix(u, "ws://"):
		u = "http://" + u[len("ws://"):]
	}
	return strings.TrimSuffix(u, "/relay") + "/relay/" + name
}

// WithCredentials returns a copy of c authenticated with creds (kept in
// memory only, as self-provision requires).
func (c Config) WithCredentials(creds Credentials) Config {
	if creds.GatewayID != "" {
		c.GatewayID = creds.GatewayID
	}
	c.Secret = creds.Secret
	c.DeliveryKey = creds.DeliveryKey
	return c
}

// String describes c without credentials.
func (c Config) String() string {
	ids := make([]string, len(c.Identities))
	for i, id := range c.Identities {
		ids[i] = id.Platform + ":" + id.BotID
	}
	return fmt.Sprintf("relay.Config{url=%q gateway_id=%q secret=%q delivery_key=%q identities=%v endpoint=%q route_keys=%v instance_id=%q wake_url=%q access_token=%q access_token_file=%q profile_routes=%d}",
		c.URL, c.GatewayID, c.Secret.String(), c.DeliveryKey.String(), ids, c.Endpoint, c.RouteKeys,
		c.InstanceID, c.WakeURL, c.AccessToken.String(), c.AccessTokenFile, len(c.ProfileRoutes))
}

// GoString implements fmt.GoStringer so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without credentials.
func (c Config) LogValue() slog.Value {
	ids := make([]string, len(c.Identities))
	for i, id := range c.Identities {
		ids[i] = id.Platform + ":" + id.BotID
	}
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.String("gateway_id", c.GatewayID),
		slog.String("secret", c.Secret.String()),
		slog.String("delivery_key", c.DeliveryKey.String()),
		slog.Any("identities", ids),
		slog.String("endpoint", c.Endpoint),
		slog.Any("route_keys", c.RouteKeys),
		slog.String("instance_id", c.InstanceID),
		slog.String("wake_url", c.WakeURL),
		slog.String("access_token", c.AccessToken.String()),
		slog.String("access_token_file", c.AccessTokenFile),
		slog.Int("profile_routes", len(c.ProfileRoutes)),
		slog.String("default_profile", c.DefaultProfile),
	)
}

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

// section is a YAML mapping node (or nil) with the file and path of its
// key, for error messages.
type section struct {
	file, path string
	n          *yaml.Node
}

func gatewaySection(file string, data []byte) (section, section, error) {
	top := section{file: file}
	if len(strings.TrimSpace(string(data))) == 0 {
		return section{file: file, path: "gateway"}, top, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return section{}, section{}, &ConfigError{File: file, Key: "(document)", Msg: "not valid YAML: " + yamlErrText(err)}
	}
	if len(doc.Content) == 0 {
		return section{file: file, path: "gateway"}, top, nil
	}
	root := doc.Content[0]
	if isNull(root) {
		return section{file: file, path: "gateway"}, top, nil
	}
	if root.Kind != yaml.MappingNode {
		return section{}, section{}, &ConfigError{File: file, Key: "(document)", Msg: "expected a mapping, got " + kindName(root)}
	}
	top.n = root
	g := top.get("gateway")
	if g != nil && g.Kind != yaml.MappingNode {
		return section{}, section{}, &ConfigError{File: file, Key: "gateway", Msg: "expected a mapping, got " + kindName(g)}
	}
	return section{file: file, path: "gateway", n: g}, top, nil
}

// yamlErrText keeps yaml's message (line and column) without echoing a
// value: yaml.v3 errors quote the offending token only for type errors,
// which Unmarshal into a Node never produces.
func yamlErrText(err error) string { return runtime.YAMLErrorText(err) }

// get returns the value node of key, or nil when absent or null.
func (s section) get(key string) *yaml.Node {
	if s.n == nil {
		return nil
	}
	for i := 0; i+1 < len(s.n.Content); i += 2 {
		if s.n.Content[i].Value == key {
			v := s.n.Content[i+1]
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			if isNull(v) {
				return nil
			}
			return v
		}
	}
	return nil
}

func (s section) key(k string) string {
	if s.path == "" {
		return k
	}
	return s.path + "." + k
}

// scalar returns the stripped text of a scalar key ("" when unset).
func (s section) scalar(key string) (string, error) {
	n := s.get(key)
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", &ConfigError{File: s.file, Key: s.key(key), Msg: "expected a string, got " + kindName(n)}
	}
	return strings.TrimSpace(n.Value), nil
}

// list accepts a sequence of scalars or a comma-separated string.
func (s section) list(key string) ([]string, error) {
	n := s.get(key)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return splitList(n.Value), nil
	case yaml.SequenceNode:
		var out []string
		for i, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, &ConfigError{File: s.file, Key: fmt.Sprintf("%s[%d]", s.key(key), i), Msg: "expected a string, got " + kindName(item)}
			}
			if v := strings.TrimSpace(item.Value); v != "" && !isNull(item) {
				out = append(out, v)
			}
		}
		return out, nil
	}
	return nil, &ConfigError{File: s.file, Key: s.key(key), Msg: "expected a list or a comma-separated string, got " + kindName(n)}
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// splitList splits a comma list, dropping empty and whitespace-only items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// identities resolves the fronted identities: the plural platform list
// (environment, then config) with bot ids from the JSON map (environment,
// then config); else the legacy scalar GATEWAY_RELAY_PLATFORM/_BOT_ID;
// else ("relay", "").
func identities(env func(string) string, g section, warnings *[]string) ([]Identity, error) {
	platforms := splitList(env(EnvPlatforms))
	if len(platforms) == 0 {
		var err error
		if platforms, err = g.list("relay_platforms"); err != nil {
			return nil, err
		}
	}
	if len(platforms) == 0 {
		p, b := strings.TrimSpace(env(EnvPlatform)), strings.TrimSpace(env(EnvBotID))
		if p == "" {
			p = DefaultPlatform
		}
		return []Identity{{Platform: p, BotID: b}}, nil
	}
	ids, err := botIDs(env, g, warnings)
	if err != nil {
		return nil, err
	}
	out := make([]Identity, 0, len(platforms))
	seen := map[string]bool{}
	for _, p := range platforms {
		if seen[p] {
			*warnings = append(*warnings, fmt.Sprintf("relay platform %q is listed twice; the first wins", p))
			continue
		}
		seen[p] = true
		e := ids[p]
		out = append(out, Identity{Platform: p, BotID: e.BotID, DisplayName: e.DisplayName})
	}
	return out, nil
}

// botIDs parses the {"<platform>": {"botId": "...", "displayName": "..."}}
// map. A malformed map is a warning and yields no ids (the connector then
// rejects the unprovisioned platform), as in the reference.
func botIDs(env func(string) string, g section, warnings *[]string) (map[string]Identity, error) {
	out := map[string]Identity{}
	if raw := strings.TrimSpace(env(EnvBotIDs)); raw != "" {
		return botIDsJSON(raw, EnvBotIDs, warnings), nil
	}
	n := g.get("relay_bot_ids")
	if n == nil {
		return out, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return botIDsJSON(n.Value, g.key("relay_bot_ids"), warnings), nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			platform, entry := n.Content[i].Value, n.Content[i+1]
			if entry.Kind != yaml.MappingNode {
				*warnings = append(*warnings, fmt.Sprintf("%s.%s: expected a mapping with botId; ignored", g.key("relay_bot_ids"), platform))
				continue
			}
			e := section{file: g.file, path: g.key("relay_bot_ids") + "." + platform, n: entry}
			bot, err := e.scalar("botId")
			if err != nil {
				return nil, err
			}
			name, err := e.scalar("displayName")
			if err != nil {
				return nil, err
			}
			out[platform] = Identity{Platform: platform, BotID: bot, DisplayName: name}
		}
		return out, nil
	}
	return nil, &ConfigError{File: g.file, Key: g.key("relay_bot_ids"), Msg: "expected a mapping, got " + kindName(n)}
}

func botIDsJSON(raw, where string, warnings *[]string) map[string]Identity {
	out := map[string]Identity{}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		*warnings = append(*warnings, where+" is not a valid JSON object; treating it as empty")
		return out
	}
	for platform, v := range m {
		entry, ok := v.(map[string]any)
		if !ok {
			continue
		}
		out[platform] = Identity{Platform: platform, BotID: jsonScalar(entry["botId"]), DisplayName: jsonScalar(entry["displayName"])}
	}
	return out
}

// jsonScalar renders a JSON string or number as stripped text; anything
// else is "".
func jsonScalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	}
	return ""
}

var routeKeys = []string{"name", "platform", "scope_id", "guild_id", "chat_id", "channel_id", "thread_id", "user_id", "profile", "enabled"}

func parseRoutes(file, key string, n *yaml.Node) ([]ProfileRoute, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &ConfigError{File: file, Key: key, Msg: "expected a list of mappings, got " + kindName(n)}
	}
	var out []ProfileRoute
	for i, item := range n.Content {
		path := fmt.Sprintf("%s[%d]", key, i)
		if item.Kind != yaml.MappingNode {
			return nil, &ConfigError{File: file, Key: path, Msg: "expected a mapping, got " + kindName(item)}
		}
		s := section{file: file, path: path, n: item}
		vals := map[string]string{}
		for _, k := range routeKeys {
			v, err := s.scalar(k)
			if err != nil {
				return nil, err
			}
			vals[k] = v
		}
		switch strings.ToLower(vals["enabled"]) {
		case "", "true", "yes", "on":
		case "false", "no", "off":
			continue
		default:
			return nil, &ConfigError{File: file, Key: path + ".enabled", Msg: "expected true or false"}
		}
		r := ProfileRoute{
			Name: vals["name"], Platform: vals["platform"], ScopeID: first(vals["scope_id"], vals["guild_id"]),
			ChatID: first(vals["chat_id"], vals["channel_id"]), ThreadID: vals["thread_id"], UserID: vals["user_id"],
			Profile: vals["profile"],
		}
		if r.Profile == "" {
			return nil, &ConfigError{File: file, Key: path + ".profile", Msg: "missing: a route must name its profile"}
		}
		out = append(out, r)
	}
	return out, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

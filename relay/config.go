package relay

// This file holds the relay configuration's types: the environment variables,
// the fronted identities, the profile routes and Config itself.

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
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
// configured, and an event's when the connector names none: the generic
// relay plane.
const DefaultPlatform = wire.DefaultPlatform

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
// field matches anything. Among the routes that match, the most specific
// wins (thread_id, then chat_id, then the parent chat of a thread, then
// user_id, scope_id, platform); on a tie, the first in config order.
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

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

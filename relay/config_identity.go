package relay

// This file resolves the fronted identities: platforms and their bot ids,
// from the environment, then the config file.

import (
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

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

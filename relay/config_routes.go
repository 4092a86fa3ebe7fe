package relay

// This file parses the gateway config's profile_routes.

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

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

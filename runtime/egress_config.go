package runtime

// Decoding the egress block of a module's config
// (wasmgw.modules.NAME.egress), with errors naming the file, line and field.

import (
	"fmt"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

// egress decodes the egress block n at path, checking every entry as the
// policy will (origins, host patterns, prefixes, sizes, secret names).
func (d decoder) egress(n *yaml.Node, path string) (*EgressConfig, error) {
	c := &EgressConfig{}
	var allowNode, bodyNode *yaml.Node
	secretLines := map[string]*yaml.Node{}
	err := d.fields(n, path, []string{"allow", "secrets", "body_placeholders", "allow_private", "max_response", "max_request"}, func(key string, v *yaml.Node) error {
		field := path + "." + key
		switch key {
		case "allow":
			allowNode = v
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return d.errf(v, field, "want a non-empty list of origins such as https://api.openai.com, got %s", kindName(v))
			}
			for i, item := range v.Content {
				f := fmt.Sprintf("%s[%d]", field, i)
				s, err := d.str(item, f)
				if err != nil {
					return err
				}
				if _, err := egress.ParseOrigin(s); err != nil {
					return d.errf(item, f, "%v", err)
				}
				c.Allow = append(c.Allow, s)
			}
		case "secrets":
			c.Secrets = map[string][]string{}
			return d.fields(v, field, nil, func(name string, hv *yaml.Node) error {
				f := field + "." + name
				if err := checkEgressName(name); err != nil {
					return d.errf(hv, f, "%v", err)
				}
				secretLines[name] = hv
				if hv.Kind != yaml.SequenceNode || len(hv.Content) == 0 {
					return d.errf(hv, f, "want a non-empty list of hosts such as [api.openai.com, \"*.example.com\"], got %s", kindName(hv))
				}
				for i, item := range hv.Content {
					fi := fmt.Sprintf("%s[%d]", f, i)
					s, err := d.str(item, fi)
					if err != nil {
						return err
					}
					if _, err := egress.ParseHostPattern(s); err != nil {
						return d.errf(item, fi, "%v", err)
					}
					c.Secrets[name] = append(c.Secrets[name], s)
				}
				return nil
			})
		case "body_placeholders":
			names, err := d.names(v, field)
			if err != nil {
				return err
			}
			c.BodyPlaceholders, bodyNode = names, v
		case "allow_private":
			if v.Kind == yaml.SequenceNode {
				for i, item := range v.Content {
					f := fmt.Sprintf("%s[%d]", field, i)
					s, err := d.str(item, f)
					if err != nil {
						return err
					}
					pfx, err := egress.ParsePrefix(s)
					if err != nil {
						return d.errf(item, f, "%v", err)
					}
					c.PrivateNets = append(c.PrivateNets, pfx)
				}
				return nil
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return d.errf(v, field, "want true, false or a list of addresses and prefixes such as [127.0.0.1, 10.0.0.0/8], got %s", kindName(v))
			}
			return d.bool(v, field, &c.AllowPrivate)
		case "max_response", "max_request":
			size, err := d.size(v, field)
			if err != nil {
				return err
			}
			if size == 0 || size > maxEgressBytes {
				return d.errf(v, field, "want a size from 1 byte to %dMiB", maxEgressBytes>>20)
			}
			if key == "max_response" {
				c.MaxResponse = size
			} else {
				c.MaxRequest = size
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if allowNode == nil {
		return nil, d.errf(n, path+".allow", "missing: list the origins the module may reach")
	}
	for i, name := range c.BodyPlaceholders {
		if _, ok := c.Secrets[name]; !ok {
			return nil, d.errf(bodyNode.Content[i], fmt.Sprintf("%s.body_placeholders[%d]", path, i), "%q is not in %s.secrets", name, path)
		}
	}
	// A secret bound to a host no allow entry covers could never be sent:
	// say so now rather than at the first request.
	allow := make([]egress.Origin, 0, len(c.Allow))
	for _, s := range c.Allow {
		o, _ := egress.ParseOrigin(s)
		allow = append(allow, o)
	}
	for _, name := range sortedKeys(c.Secrets) {
		for i, s := range c.Secrets[name] {
			hp, _ := egress.ParseHostPattern(s)
			if !slices.ContainsFunc(allow, func(o egress.Origin) bool { return o.Covers(hp) }) {
				node := secretLines[name]
				if i < len(node.Content) {
					node = node.Content[i]
				}
				return nil, d.errf(node, fmt.Sprintf("%s.secrets.%s[%d]", path, name, i), "%s is covered by no %s.allow entry, so the secret could never be sent", s, path)
			}
		}
	}
	return c, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// YAMLError is a YAML node that cannot be a JSON value. Its message never
// holds the node's value, which may be a secret.
type YAMLError struct {
	// Line is the node's line in the document.
	Line int
	// Path is the node's field path inside the converted value.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error returns Msg.
func (e *YAMLError) Error() string { return e.Msg }

// FromYAML converts a YAML node to a Value: mappings keep their order, merge
// keys (<<) and aliases are resolved, integers and floats become numbers,
// !!bool and !!null their JSON values, every other scalar (strings,
// timestamps, custom tags) its text. A non-finite float, a non-scalar
// mapping key, or more than 100,000 values (an alias bomb) is an error.
func FromYAML(n *yaml.Node) (*Value, error) {
	nodes := 0
	return fromYAML(n, "", 0, &nodes)
}

func fromYAML(n *yaml.Node, path string, depth int, nodes *int) (*Value, error) {
	if depth > maxDepth {
		return nil, &YAMLError{n.Line, path, fmt.Sprintf("nested deeper than %d levels", maxDepth)}
	}
	if *nodes++; *nodes > maxNodes {
		return nil, &YAMLError{n.Line, path, fmt.Sprintf("more than %d values (an alias bomb?)", maxNodes)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &Value{Kind: Null}, nil
		}
		return fromYAML(n.Content[0], path, depth, nodes)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &YAMLError{n.Line, path, "unknown alias"}
		}
		return fromYAML(n.Alias, path, depth+1, nodes)
	case yaml.SequenceNode:
		v := &Value{Kind: Array}
		for i, c := range n.Content {
			item, err := fromYAML(c, JoinIndex(path, i), depth+1, nodes)
			if err != nil {
				return nil, err
			}
			v.Items = append(v.Items, item)
		}
		return v, nil
	case yaml.MappingNode:
		v := &Value{Kind: Object}
		if err := mergeMapping(v, n, path, depth, nodes, map[string]bool{}); err != nil {
			return nil, err
		}
		return v, nil
	case yaml.ScalarNode:
		return scalar(n, path)
	}
	return nil, &YAMLError{n.Line, path, "unsupported YAML node"}
}

// mergeMapping adds the pairs of mapping n to v; keys already in v win, as
// YAML merge keys require (explicit keys override merged ones).
func mergeMapping(v *Value, n *yaml.Node, path string, depth int, nodes *int, explicit map[string]bool) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, val)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return &YAMLError{k.Line, path, "a mapping key must be a scalar"}
		}
		key := k.Value
		if explicit[key] {
			return &YAMLError{k.Line, JoinKey(path, key), "duplicate key"}
		}
		explicit[key] = true
		item, err := fromYAML(val, JoinKey(path, key), depth+1, nodes)
		if err != nil {
			return err
		}
		if v.Get(key) != nil { // from an earlier merge: the explicit key wins
			for j, kk := range v.Keys {
				if kk == key {
					v.Items[j] = item
				}
			}
			continue
		}
		v.Keys = append(v.Keys, key)
		v.Items = append(v.Items, item)
	}
	for _, m := range merges {
		for m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, src := range sources {
			for src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				return &YAMLError{src.Line, path, "a merge key (<<) must name a mapping"}
			}
			if *nodes++; *nodes > maxNodes || depth > maxDepth {
				return &YAMLError{src.Line, path, "merge keys nest too deep"}
			}
			sub := &Value{Kind: Object}
			if err := mergeMapping(sub, src, path, depth+1, nodes, map[string]bool{}); err != nil {
				return err
			}
			for i, k := range sub.Keys {
				if v.Get(k) == nil {
					v.Keys = append(v.Keys, k)
					v.Items = append(v.Items, sub.Items[i])
				}
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node, path string) (*Value, error) {
	switch n.Tag {
	case "!!null":
		return &Value{Kind: Null}, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, &YAMLError{n.Line, path, "not a boolean"}
		}
		return &Value{Kind: Bool, Bool: b}, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return &Value{Kind: Number, Str: strconv.FormatInt(i, 10)}, nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return &Value{Kind: Number, Str: strconv.FormatUint(u, 10)}, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &YAMLError{n.Line, path, "an integer out of range"}
		}
		return &Value{Kind: Number, Str: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, &YAMLError{n.Line, path, "a float that JSON cannot hold (.inf or .nan)"}
		}
		return &Value{Kind: Number, Str: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	}
	return &Value{Kind: String, Str: n.Value}, nil
}

// YAML returns v as a YAML node, keys in order, for printing.
func (v *Value) YAML() *yaml.Node {
	switch v.Kind {
	case Null:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool)}
	case Number:
		tag := "!!int"
		if strings.ContainsAny(v.Str, ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.Str}
	case String:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Str}
	case Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, it := range v.Items {
			n.Content = append(n.Content, it.YAML())
		}
		return n
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i, k := range v.Keys {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v.Items[i].YAML())
	}
	return n
}

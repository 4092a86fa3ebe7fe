package relay

// This file reads the gateway: section of config.yaml: YAML mapping nodes,
// scalars and lists, with the file and key of each for error messages.

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/wasmgw/wasmgw/internal/yamlerr"
)

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
func yamlErrText(err error) string { return yamlerr.Text(err) }

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

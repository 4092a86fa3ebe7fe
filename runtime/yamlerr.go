package runtime

import "github.com/wasmgw/wasmgw/runtime/internal/yamlerr"

// YAMLErrorText returns a YAML syntax error as "line N: PROBLEM", with the
// line yaml.v3 reports one too low for its parser errors corrected. The
// relay's parser of the home's gateway settings uses it, so that every
// config.yaml error in wasmgw names the same line.
func YAMLErrorText(err error) string { return yamlerr.Text(err) }

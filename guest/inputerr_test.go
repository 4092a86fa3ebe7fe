package guest

import (
	"strings"
	"testing"
)

// Input errors speak JSON, not Go: no Go type or package names.
func TestInputErrorsNameNoGoTypes(t *testing.T) {
	t.Parallel()
	type Input struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
		Tags  []string
	}
	for in, want := range map[string]string{
		`[1,2]`:              "input: must be a JSON object, not an array",
		`{"name":5}`:         `input: field "name" must be a string, not a number`,
		`{"count":1.5}`:      `input: field "count" must be a whole number in range, not a number 1.5`,
		`{"Tags":"x"}`:       `input: field "Tags" must be an array, not a string`,
		`{"name":"a"`:        "input: the JSON ends before its value is complete",
		`{"name":}`:          "input: not valid JSON at byte",
		`{"nope":1}`:         `input: unknown field "nope"`,
		`{"name":"a"} {"x"}`: "trailing data",
	} {
		var v Input
		err := decodeStrict([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
			continue
		}
		for _, goish := range []string{"Go value", "guest.Input", "main.", "int", "[]string"} {
			if strings.Contains(err.Error(), goish) {
				t.Errorf("%s: err %q names Go (%q)", in, err, goish)
			}
		}
	}
}

package value

import (
	"strings"
	"testing"
)

// BenchmarkParseJSON parses MCP server entries of the usual shape: strings
// (a few escaped), numbers and nested objects.
func BenchmarkParseJSON(b *testing.B) {
	entry := `{"command":"npx","args":["-y","@scope/server-files","/home/alice/projects"],"env":{"TOKEN":"${TOKEN}","LEVEL":3,"RATIO":-2.5e-3,"NAME":"caf\u00e9 \"x\""},"disabled":false,"timeout":null}`
	var sb strings.Builder
	sb.WriteString(`{"mcpServers":{`)
	for i := range 8 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"server` + string(rune('a'+i)) + `":` + entry)
	}
	sb.WriteString(`}}`)
	in := []byte(sb.String())
	if _, ok := fastParse(in); !ok {
		b.Fatal("the scanner refused the input")
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}

// Package textkit is the logic of the textkit tool module: real work on its
// input that needs no secret (text statistics, slugs and digests). It is a
// plain package so the same code runs natively in benchmarks.
package textkit

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/guest"
)

// TextInput is the input of every tool here.
type TextInput struct {
	Text string `json:"text"`
	Top  int    `json:"top,omitempty"`
}

// WordCount is one entry of Stats.TopWords.
type WordCount struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Stats is the output of text_stats.
type Stats struct {
	Bytes    int         `json:"bytes"`
	Runes    int         `json:"runes"`
	Words    int         `json:"words"`
	Lines    int         `json:"lines"`
	TopWords []WordCount `json:"top_words"`
}

func stats(in TextInput) (Stats, error) {
	words := strings.FieldsFunc(strings.ToLower(in.Text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	top := make([]WordCount, 0, len(counts))
	for w, c := range counts {
		top = append(top, WordCount{w, c})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].Count != top[j].Count {
			return top[i].Count > top[j].Count
		}
		return top[i].Word < top[j].Word
	})
	n := in.Top
	if n <= 0 {
		n = 5
	}
	if len(top) > n {
		top = top[:n]
	}
	lines := 0
	if in.Text != "" {
		lines = strings.Count(in.Text, "\n") + 1
		if strings.HasSuffix(in.Text, "\n") {
			lines--
		}
	}
	return Stats{
		Bytes: len(in.Text), Runes: utf8.RuneCountInString(in.Text),
		Words: len(words), Lines: lines, TopWords: top,
	}, nil
}

func slugify(in TextInput) (string, error) {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(in.Text) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-"), nil
}

func digest(in TextInput) (string, error) {
	sum := sha256.Sum256([]byte(in.Text))
	return hex.EncodeToString(sum[:]), nil
}

const schema = `{"type":"object","properties":{"text":{"type":"string"},"top":{"type":"integer"}},"required":["text"],"additionalProperties":false}`

// Register registers the tools with the guest SDK.
func Register() {
	guest.ToolWithSchema("text_stats", "Counts bytes, runes, words and lines of text and lists the most frequent words.", []byte(schema), stats)
	guest.ToolWithSchema("slugify", "Turns text into a lowercase ASCII slug.", []byte(schema), slugify)
	guest.ToolWithSchema("sha256", "Returns the lowercase hex SHA-256 of text.", []byte(schema), digest)
}

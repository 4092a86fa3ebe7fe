package wire

import "unicode/utf8"

// SplitText cuts text into pieces of at most limit units (unit "utf16"
// counts UTF-16 code units, anything else Unicode code points), never
// inside a rune, so never inside a surrogate pair. A piece ends after the
// last newline, else the last space, of its window when that keeps it at
// least half full; otherwise it is cut hard. Nothing is dropped: the
// pieces concatenate to text. limit ≤ 0 means 4096. Text that fits is one
// piece; empty text is none.
func SplitText(text string, limit int, unit string) []string {
	if text == "" {
		return nil
	}
	if limit <= 0 {
		limit = DefaultMaxMessageLength
	}
	utf16 := unit == LenUTF16
	width := func(r rune) int {
		if utf16 && r > 0xFFFF && r <= utf8.MaxRune {
			return 2
		}
		return 1
	}
	var out []string
	for text != "" {
		// Walk the window: end is the byte offset after the last rune that
		// fits; nl and sp the offsets after its last newline and space, with
		// the units before them.
		units, end := 0, 0
		nl, nlUnits, sp, spUnits := -1, 0, -1, 0
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			w := width(r)
			if units+w > limit {
				break
			}
			units += w
			end += size
			switch r {
			case '\n':
				nl, nlUnits = end, units
			case ' ':
				sp, spUnits = end, units
			}
		}
		switch {
		case end == len(text):
			return append(out, text)
		case end == 0: // limit 1 and a surrogate pair: the rune goes whole
			_, end = utf8.DecodeRuneInString(text)
		case nl >= 0 && 2*nlUnits >= limit:
			end = nl
		case sp >= 0 && 2*spUnits >= limit:
			end = sp
		}
		out = append(out, text[:end])
		text = text[end:]
	}
	return out
}

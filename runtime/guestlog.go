package runtime

// A guest's log: the log host function and its stdout and stderr. All of it
// is charged to the call's max_log budget before the host does any work on
// it (decoding, splitting, redacting); once the budget is spent the rest is
// only counted, and the call's end writes one line saying how much was
// dropped. Every step is linear in what the guest wrote.

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/internal/jsonlex"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// Bounds of one guest log record.
const (
	// maxLine bounds one stdout/stderr line; the rest of a longer line is
	// dropped (counted) up to its newline.
	maxLine = 4 << 10
	// maxLogAttrs bounds the attributes of one log call; later ones are
	// dropped and counted in a "dropped_attrs" attribute.
	maxLogAttrs = 64
	// logRecordCost is what the budget charges per record on top of its
	// text, so that a flood of empty records is not free.
	logRecordCost = 32
)

// chargeLog charges a record of size bytes to the call's log budget. It
// returns false, and counts the record as dropped, when the budget is
// spent (for good: later, smaller records are dropped too) or the call has
// been stopped.
func (b *binding) chargeLog(size uint64) bool {
	c := b.call
	if !c.logSpent && (c.logBytes+size+logRecordCost > b.limits.MaxLog || c.halted()) {
		c.logSpent = true
	}
	if c.logSpent {
		c.logDroppedRecords++
		c.logDroppedBytes += size
		return false
	}
	c.logBytes += size + logRecordCost
	return true
}

// emitGuestLog writes one guest record to the host log, tagged and
// redacted. The caller has charged it.
func (b *binding) emitGuestLog(level slog.Level, msg []byte, attrs []slog.Attr) {
	for i := range attrs {
		attrs[i].Key = b.learned.Text(attrs[i].Key, redact.Named)
		attrs[i].Value = slog.StringValue(b.learned.Text(attrs[i].Value.String(), redact.Named))
	}
	b.log.LogAttrs(context.Background(), level, b.learned.Text(string(msg), redact.Named), slog.Any("guest", slog.GroupValue(attrs...)))
}

// clipUTF8 cuts b to at most n bytes, at a rune boundary.
func clipUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	b = b[:n]
	for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return b
}

// isLogAttrs reports whether raw is one JSON object.
func isLogAttrs(raw []byte) bool {
	return jsonlex.ValidBytes(raw) && bytes.TrimLeft(raw, " \t\r\n")[0] == '{'
}

// decodeCheckedLogAttrs decodes a log call's attributes, which isLogAttrs
// accepted (at most abi.MaxLogLen bytes: the caller checks), in order,
// keeping at most maxLogAttrs; a value that is not a string is kept as its
// compact JSON. It reads the object with the tokens of internal/jsonlex
// (FuzzDecodeLogAttrs holds it to the encoding/json decoder it replaced).
func decodeCheckedLogAttrs(raw []byte) []slog.Attr {
	s := string(raw) // the attributes outlive raw (guest memory)
	i := jsonlex.Space(s, 0)
	var attrs []slog.Attr
	dropped := 0
	for i = jsonlex.Space(s, i+1); s[i] != '}'; {
		end, f := jsonlex.String(s, i)
		key := stringBody(s[i+1:end-1], f)
		i = jsonlex.Space(s, jsonlex.Space(s, end)+1) // past the colon
		vend := valueEnd(s, i)
		if len(attrs) < maxLogAttrs {
			var v string
			if s[i] == '"' {
				_, f := jsonlex.String(s, i)
				v = stringBody(s[i+1:vend-1], f)
			} else {
				v = compactJSON(s[i:vend])
			}
			attrs = append(attrs, slog.String(key, v))
		} else {
			dropped++
		}
		if i = jsonlex.Space(s, vend); s[i] == ',' {
			i = jsonlex.Space(s, i+1)
		}
	}
	if dropped > 0 {
		attrs = append(attrs, slog.String("dropped_attrs", strconv.Itoa(dropped)))
	}
	return attrs
}

// stringBody decodes the body of a string literal that jsonlex.String
// scanned with flags f.
func stringBody(body string, f jsonlex.Flags) string {
	if f&(jsonlex.Escaped|jsonlex.BadUTF8) != 0 {
		return jsonlex.Unquote(body)
	}
	return body
}

// valueEnd returns the index just past the value at s[i], s being valid
// JSON.
func valueEnd(s string, i int) int {
	depth := 0
	for {
		switch c := s[i]; {
		case c == '"':
			i, _ = jsonlex.String(s, i)
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			depth--
			i++
		case c == 't' || c == 'n':
			i += 4
		case c == 'f':
			i += 5
		case c == '-' || '0' <= c && c <= '9':
			i, _ = jsonlex.Number(s, i)
		default: // white space, a comma or a colon inside a container
			i++
		}
		if depth == 0 {
			return i
		}
	}
}

// compactJSON returns valid JSON v without the white space outside its
// strings, as json.Compact writes it.
func compactJSON(v string) string {
	var b []byte
	for i := 0; i < len(v); {
		switch c := v[i]; c {
		case ' ', '\t', '\n', '\r':
			if b == nil {
				b = append(make([]byte, 0, len(v)), v[:i]...)
			}
			i++
		case '"':
			end, _ := jsonlex.String(v, i)
			if b != nil {
				b = append(b, v[i:end]...)
			}
			i = end
		default:
			if b != nil {
				b = append(b, c)
			}
			i++
		}
	}
	if b == nil {
		return v // nothing to remove: no copy
	}
	return string(b)
}

// guestLogCall serves the log host function once its ranges are checked:
// the record is cut to abi.MaxLogLen (attributes that do not fit are
// dropped whole, undecoded), charged to the budget, and only then decoded,
// if the host's log takes records of its level.
func (b *binding) guestLogCall(level slog.Level, msg, rawAttrs []byte) int32 {
	msg = clipUTF8(msg, abi.MaxLogLen)
	var extra []slog.Attr
	if len(msg)+len(rawAttrs) > abi.MaxLogLen {
		extra = append(extra, slog.String("dropped_attrs_bytes", strconv.Itoa(len(rawAttrs))))
		rawAttrs = nil
	}
	if len(rawAttrs) > 0 && !isLogAttrs(rawAttrs) {
		return abi.ErrInvalid
	}
	if !b.chargeLog(uint64(len(msg)) + uint64(len(rawAttrs))) {
		return 0
	}
	if !b.log.Enabled(context.Background(), level) {
		return 0 // charged as if written, and nothing more done
	}
	var attrs []slog.Attr
	if len(rawAttrs) > 0 {
		attrs = decodeCheckedLogAttrs(rawAttrs)
	}
	b.emitGuestLog(level, msg, append(attrs, extra...))
	return 0
}

// streamWriter turns a guest's stdout or stderr into log records, a line a
// record, within the same budget as log calls. It is linear in what the
// guest writes: each byte is looked at once, a line is buffered only up to
// maxLine, and once the budget is spent or the call stopped a write is
// only counted.
type streamWriter struct {
	b      *binding
	stream string
	buf    []byte
	// skipping is set while the rest of an over-long line is dropped.
	skipping bool
}

// Write implements io.Writer; it never fails (the guest's output is a log,
// not a file).
func (w *streamWriter) Write(p []byte) (int, error) {
	n := len(p)
	c := w.b.call
	if c == nil || c.scope == nil {
		return n, nil
	}
	for len(p) > 0 {
		if c.logSpent || c.halted() {
			c.logSpent = true
			c.logDroppedBytes += uint64(len(p) + len(w.buf))
			w.buf, w.skipping = w.buf[:0], false
			return n, nil
		}
		i := bytes.IndexByte(p, '\n')
		line := p
		if i >= 0 {
			line = p[:i]
		}
		switch {
		case w.skipping:
			c.logDroppedBytes += uint64(len(line))
		case len(w.buf)+len(line) > maxLine:
			// Cut: emit what fits, drop the rest of the line.
			cut := maxLine - len(w.buf)
			w.buf = append(w.buf, line[:cut]...)
			c.logDroppedBytes += uint64(len(line) - cut)
			w.emit(true)
			w.skipping = true
		case i >= 0 && len(w.buf) == 0:
			w.emitLine(line, false) // the common case: no copy
		default:
			w.buf = append(w.buf, line...)
		}
		if i < 0 {
			return n, nil
		}
		if !w.skipping && len(w.buf) > 0 {
			w.emit(false)
		}
		w.skipping = false
		p = p[i+1:]
	}
	return n, nil
}

func (w *streamWriter) emit(cut bool) {
	w.emitLine(w.buf, cut)
	w.buf = w.buf[:0]
}

func (w *streamWriter) emitLine(line []byte, cut bool) {
	if !w.b.chargeLog(uint64(len(line)) + uint64(len(w.stream))) {
		return
	}
	attrs := []slog.Attr{slog.String("stream", w.stream)}
	if cut {
		attrs = append(attrs, slog.String("cut_at", strconv.Itoa(maxLine)))
	}
	w.b.emitGuestLog(slog.LevelInfo, line, attrs)
}

// flush emits a last line without its newline.
func (w *streamWriter) flush() {
	if len(w.buf) > 0 && w.b.call != nil && w.b.call.scope != nil && !w.skipping {
		w.emitLine(w.buf, false)
	}
	w.buf, w.skipping = w.buf[:0], false
}

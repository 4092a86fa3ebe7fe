package wire

import "bytes"

// LineBuffer splits WebSocket text messages into frame lines: a message may
// hold several lines, and a trailing partial line waits for the next
// message. Blank lines are skipped. A line longer than [MaxFrameSize] is
// dropped whole (Overflowed counts them). The zero value is ready to use; a
// LineBuffer is not safe for concurrent use.
type LineBuffer struct {
	partial    []byte
	discarding bool // inside an oversized line: skip to its '\n'
	overflowed int
}

// Feed appends msg and returns the complete, non-blank lines (without
// '\n' or a trailing '\r'). The returned slices are valid until the next
// Feed. Its work is linear in len(msg) (amortised): a partial line is
// never scanned or copied again, however many messages it spans.
func (l *LineBuffer) Feed(msg []byte) [][]byte {
	data := msg
	if l.discarding {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil
		}
		l.discarding = false
		data = data[i+1:]
	}
	// Only the new bytes can hold the '\n' that ends the partial line.
	first := bytes.IndexByte(data, '\n')
	if first < 0 {
		if len(l.partial)+len(data) > MaxFrameSize {
			l.overflowed++
			l.discarding = true
			l.partial = nil
			return nil
		}
		l.partial = append(l.partial, data...)
		return nil
	}
	if len(l.partial) > 0 {
		first += len(l.partial)
		l.partial = append(l.partial, data...)
		data = l.partial
	}
	var lines [][]byte
	for i := first; i >= 0; i = bytes.IndexByte(data, '\n') {
		line := bytes.TrimRight(data[:i], "\r")
		switch {
		case len(line) > MaxFrameSize:
			l.overflowed++
		case len(bytes.TrimSpace(line)) > 0:
			lines = append(lines, line)
		}
		data = data[i+1:]
	}
	switch {
	case len(data) > MaxFrameSize:
		l.overflowed++
		l.discarding = true
		l.partial = nil
	case len(data) == 0:
		l.partial = nil
	default:
		// A fresh slice: the returned lines may alias the old one. data
		// follows the last '\n', which came in msg, so this copy is of
		// msg's own bytes.
		l.partial = append([]byte(nil), data...)
	}
	return lines
}

// Pending is the length of the buffered partial line.
func (l *LineBuffer) Pending() int { return len(l.partial) }

// Overflowed counts lines dropped for exceeding MaxFrameSize.
func (l *LineBuffer) Overflowed() int { return l.overflowed }

// SkipMessage records that a whole WebSocket message was skipped (it was
// over [MaxFrameSize]); last holds its final byte. Every line the message
// touched is dropped whole: a partial line buffered before it, and, when
// the message did not end with '\n', the rest of its last line up to the
// next '\n' of a later message. It counts as one overflow.
func (l *LineBuffer) SkipMessage(last []byte) {
	l.overflowed++
	l.partial = nil
	l.discarding = len(last) == 0 || last[len(last)-1] != '\n'
}

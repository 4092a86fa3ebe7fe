package main

import (
	"bufio"
	"errors"
	"io"
)

// lineReader reads the lines of an interactive session. Unlike
// bufio.Scanner, a line over max bytes does not end the input: it is
// skipped up to its newline, and Next reports it as too long, so the
// session refuses that line and goes on.
type lineReader struct {
	r   *bufio.Reader
	max int
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next line without its newline (and a trailing \r).
// tooLong is the length of a line that was skipped because it was over the
// limit (line is then ""); err is io.EOF at the end of the input.
func (l *lineReader) Next() (line string, tooLong int, err error) {
	var buf []byte
	n := 0
	for {
		frag, err := l.r.ReadSlice('\n')
		n += len(frag)
		if n <= l.max+1 { // +1: the newline
			buf = append(buf, frag...)
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && n > 0:
			// A last line without a newline.
		default:
			return "", 0, err
		}
		if len(frag) > 0 && frag[len(frag)-1] == '\n' {
			n--
			if len(buf) > 0 && buf[len(buf)-1] == '\n' {
				buf = buf[:len(buf)-1]
			}
		}
		if n > l.max {
			return "", n, nil
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\r' {
			buf = buf[:len(buf)-1]
		}
		return string(buf), 0, nil
	}
}

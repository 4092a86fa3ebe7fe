package main

import (
	"io"
	"strings"
	"testing"
)

// A line over the limit is reported and skipped; the lines after it are
// read (bufio.Scanner ended the whole input with "token too long").
func TestLineReaderSkipsALongLineAndGoesOn(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100)
	l := newLineReader(strings.NewReader("a\r\n"+long+"\nb\n"+long+"\nlast"), 50)
	type got struct {
		line    string
		tooLong int
	}
	var all []got
	for {
		line, tooLong, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got{line, tooLong})
	}
	want := []got{{"a", 0}, {"", 100}, {"b", 0}, {"", 100}, {"last", 0}}
	if len(all) != len(want) {
		t.Fatalf("got %v, want %v", all, want)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Fatalf("line %d: got %+v, want %+v", i, all[i], want[i])
		}
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add("a\nb\n", 1)
	f.Add(strings.Repeat("y", 300)+"\nz", 10)
	f.Fuzz(func(t *testing.T, in string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		l := newLineReader(strings.NewReader(in), max)
		total := 0
		for {
			line, tooLong, err := l.Next()
			if err != nil {
				break
			}
			if len(line) > max {
				t.Fatalf("line of %d bytes over the limit %d", len(line), max)
			}
			total += len(line) + tooLong
			if total > len(in) {
				t.Fatalf("read %d bytes of %d", total, len(in))
			}
		}
	})
}

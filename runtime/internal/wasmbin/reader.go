package wasmbin

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// errShort is a read past the end of the binary or of a section.
var errShort = errors.New("unexpected end")

// wasmReader reads a module binary; every read checks its bounds.
type wasmReader struct {
	b   []byte
	off int // offset of b[0] in the whole binary
	pos int
}

func (r *wasmReader) fail(msg string) error { return &Error{Offset: r.off + r.pos, Msg: msg} }

func (r *wasmReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, r.fail(errShort.Error())
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *wasmReader) uleb(bits uint) (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			return 0, r.fail("integer encoding too long")
		}
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v>>bits != 0 {
				return 0, r.fail("integer too large")
			}
			return v, nil
		}
	}
}

func (r *wasmReader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

// count reads a vector length, refusing one that cannot fit in what is left
// (each element takes at least one byte), so nothing is allocated for it.
func (r *wasmReader) count() (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if int(n) > len(r.b)-r.pos {
		return 0, r.fail(fmt.Sprintf("vector of %d elements in %d bytes", n, len(r.b)-r.pos))
	}
	return int(n), nil
}

func (r *wasmReader) name() (string, error) {
	n, err := r.count()
	if err != nil {
		return "", err
	}
	s := r.b[r.pos : r.pos+n]
	if !utf8.Valid(s) {
		return "", r.fail("name is not valid UTF-8")
	}
	r.pos += n
	return string(s), nil
}

func (r *wasmReader) valType() (string, error) {
	c, err := r.byte()
	if err != nil {
		return "", err
	}
	switch c {
	case 0x7f:
		return "i32", nil
	case 0x7e:
		return "i64", nil
	case 0x7d:
		return "f32", nil
	case 0x7c:
		return "f64", nil
	case 0x7b:
		return "v128", nil
	case 0x70:
		return "funcref", nil
	case 0x6f:
		return "externref", nil
	}
	r.pos--
	return "", r.fail(fmt.Sprintf("unsupported value type 0x%02x", c))
}

func (r *wasmReader) limits() (Memory, error) {
	flags, err := r.byte()
	if err != nil {
		return Memory{}, err
	}
	if flags > 7 {
		r.pos--
		return Memory{}, r.fail(fmt.Sprintf("unknown limits flags 0x%02x", flags))
	}
	m := Memory{Shared: flags&2 != 0, Memory64: flags&4 != 0}
	bits := uint(32)
	if m.Memory64 {
		bits = 64
	}
	if m.Min, err = r.uleb(bits); err != nil {
		return m, err
	}
	if flags&1 != 0 {
		max, err := r.uleb(bits)
		if err != nil {
			return m, err
		}
		if max < m.Min {
			return m, r.fail("maximum below minimum")
		}
		m.Max = &max
	}
	return m, nil
}

// sleb32 reads a signed LEB128 i32 (at most five bytes).
func (r *wasmReader) sleb32() (int32, error) {
	var v int64
	var shift uint
	for range 5 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			if c&0x40 != 0 {
				v |= -1 << shift
			}
			if v < -1<<31 || v > 1<<31-1 {
				return 0, r.fail("integer too large")
			}
			return int32(v), nil
		}
	}
	return 0, r.fail("integer encoding too long")
}

package relay

import (
	"bytes"
	"errors"
	"io"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

// readMessage reads the next WebSocket message into buf. A message of at
// most MaxFrameSize bytes is returned whole. A larger one is read to its end
// and discarded as it streams, so memory stays bounded whatever its size:
// skipped is then its length, and data holds only its last byte (which
// tells whether it ended a line). The library's own read limit is off, since
// it would close the connection instead.
func (cn *wsConn) readMessage(buf *bytes.Buffer) (data []byte, skipped int64, err error) {
	_, r, err := cn.ws.Reader(cn.ctx)
	if err != nil {
		return nil, 0, err
	}
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(r, wire.MaxFrameSize+1))
	if err != nil {
		return nil, 0, err
	}
	if n <= wire.MaxFrameSize {
		return buf.Bytes(), 0, nil
	}
	last := buf.Bytes()[n-1]
	var chunk [32 << 10]byte
	for {
		m, err := r.Read(chunk[:])
		n += int64(m)
		if m > 0 {
			last = chunk[m-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
	}
	buf.Reset()
	buf.WriteByte(last)
	return buf.Bytes(), n, nil
}

//go:build unix && !linux

package suite

import (
	"errors"
	"syscall"
)

// acceptPending accepts, without blocking, every connection waiting on the
// listening socket fd (Go keeps listeners non-blocking), closes it, and
// returns how many there were.
func acceptPending(fd int) (int, error) {
	n := 0
	for {
		nfd, _, err := syscall.Accept(fd)
		if err != nil {
			if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EWOULDBLOCK) {
				return n, err
			}
			return n, nil
		}
		_ = syscall.Close(nfd)
		n++
	}
}

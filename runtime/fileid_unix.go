//go:build unix

package runtime

import (
	"os"
	"syscall"
)

// fileID returns the inode of a file (0 where there is none).
func fileID(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

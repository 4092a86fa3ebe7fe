//go:build !linux

package runtime

import (
	"errors"
	"io/fs"
	"os"
)

// statGeneration identifies path's content by inode (where the platform
// has one), size and mtime. Without Linux's ctime a rewrite that keeps the
// size and restores the mtime goes unnoticed until the file is replaced.
func statGeneration(path string) (generation, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return generation{}, nil
	}
	if err != nil {
		return generation{}, err
	}
	return generation{exists: true, ino: fileID(st), size: st.Size(), mtime: st.ModTime().UnixNano()}, nil
}

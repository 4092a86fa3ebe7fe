//go:build !linux

package runtime

import "errors"

// imageSupported reports whether this platform maps data images: not
// here; instances get their data copied in by wazero (see dataseg.go).
const imageSupported = false

// imageFile is unused on this platform.
type imageFile struct{}

func newImageFile(dataImage, func()) (*imageFile, error) {
	return nil, errors.New("data image: not supported on this platform")
}

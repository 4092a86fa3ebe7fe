package guest

import (
	"errors"
	"fmt"
	"testing"
)

// TestSecretErrors checks that a refused read says which secret and why,
// as the fmt.Errorf it replaced did, and unwraps to the host's error.
func TestSecretErrors(t *testing.T) {
	for _, host := range []error{ErrNotFound, ErrDenied, ErrNoHost, &HostError{Func: "secret_get", Code: -9}} {
		err := error(&secretError{name: "A \"b\"\xff", err: host})
		if want := fmt.Errorf("secret %q: %w", "A \"b\"\xff", host).Error(); err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
		if !errors.Is(err, host) {
			t.Errorf("%v does not unwrap to %v", err, host)
		}
	}
	// Natively there is no host: both readers say so, for the name asked.
	if _, err := Secret("TOKEN"); !errors.Is(err, ErrNoHost) || err.Error() != `secret "TOKEN": `+ErrNoHost.Error() {
		t.Errorf("Secret: %v", err)
	}
	dst := []byte("kept")
	if out, err := AppendSecret(dst, "TOKEN"); !errors.Is(err, ErrNoHost) || string(out) != "kept" {
		t.Errorf("AppendSecret: %q, %v", out, err)
	}
}

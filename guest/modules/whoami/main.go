// Command whoami is a wasmgw tool module that makes isolation visible: it
// reports which profile it runs for and a SHA-256 fingerprint of the
// OPENAI_API_KEY it was given, never the key itself.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/wasmgw/wasmgw/guest"
)

// Identity is the tool's output.
type Identity struct {
	Profile   string `json:"profile"`
	KeySHA256 string `json:"key_sha256"`
}

// Input names which secret to fingerprint; empty means OPENAI_API_KEY.
type Input struct {
	Name string `json:"name,omitempty"`
}

func whoami(in Input) (Identity, error) {
	self, err := guest.Self()
	if err != nil {
		return Identity{}, err
	}
	name := in.Name
	if name == "" {
		name = "OPENAI_API_KEY"
	}
	key, err := guest.Secret(name)
	if err != nil {
		if errors.Is(err, guest.ErrNotFound) || errors.Is(err, guest.ErrDenied) {
			return Identity{}, &guest.Error{Code: "no_key", Message: err.Error()}
		}
		return Identity{}, err
	}
	sum := sha256.Sum256([]byte(key))
	guest.Log(slog.LevelInfo, "fingerprinted a key", "name", name)
	return Identity{Profile: self.Profile, KeySHA256: hex.EncodeToString(sum[:])}, nil
}

func init() {
	guest.ToolWithSchema("whoami",
		"Reports the calling profile and the SHA-256 of its OPENAI_API_KEY (or of the secret named by \"name\"); never the value.",
		[]byte(`{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":false}`),
		whoami)
}

func main() {}

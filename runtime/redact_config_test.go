package runtime_test

import (
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/runtime"
)

func TestRedactNeverConfig(t *testing.T) {
	t.Parallel()
	cfg, err := runtime.ParseConfig("config.yaml", []byte("wasmgw:\n  redact:\n    never: [BASE_URL, MODEL]\n"))
	if err != nil || strings.Join(cfg.RedactNever, ",") != "BASE_URL,MODEL" {
		t.Fatalf("%+v %v", cfg, err)
	}
	for src, want := range map[string]string{
		"wasmgw:\n  redact:\n    never: BASE_URL\n":  "config.yaml line 3: wasmgw.redact.never: want a list of secret names",
		"wasmgw:\n  redact:\n    never: [\"a b\"]\n": "wasmgw.redact.never[0]: want a secret name",
		"wasmgw:\n  redact:\n    always: [X]\n":      "wasmgw.redact.always: unknown key (known: never)",
		"wasmgw:\n  redact: [X]\n":                   "wasmgw.redact: want a mapping",
	} {
		if _, err := runtime.ParseConfig("config.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}

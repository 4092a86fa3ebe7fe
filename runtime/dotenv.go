package runtime

import "github.com/wasmgw/wasmgw/runtime/internal/dotenv"

// ReadDotenv reads the .env file at path with the grammar of a profile's
// .env (docs/dotenv.md); a missing file is an empty one (nil, nil). An error
// names the file and line, never the line's text: a value may be a secret.
// The gateway reads its own settings from the home's .env with it.
func ReadDotenv(path string) (map[string]string, error) { return dotenv.Read(path) }

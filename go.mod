module github.com/wasmgw/wasmgw

go 1.26

require (
	github.com/spf13/pflag v1.1.0
	github.com/tetratelabs/wazero v1.12.0
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.44.0 // indirect

// Command textkit is a wasmgw tool module that does real work on its input
// and needs no secret: text statistics, slugs and digests (see package
// guest/textkit).
package main

import "github.com/wasmgw/wasmgw/guest/textkit"

func init() { textkit.Register() }

func main() {}

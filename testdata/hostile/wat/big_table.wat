;; big_table.wat: a hostile wasmgw module (see testdata/hostile/README.md).
;; It declares a table of 100 million elements, a word of the host's memory
;; each (800 MB), allocated when the module is instantiated: refused at load.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 100000000 funcref)
  (data (i32.const 16) "{\"abi\":1,\"tools\":[{\"name\":\"attack\"}]}")
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 37)))
    (i32.const 0))
  (func (export "wasmgw_call_tool") (param i32 i32 i32 i32) (result i32)
    unreachable)
)

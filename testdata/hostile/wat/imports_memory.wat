;; imports_memory.wat: a hostile wasmgw module that wants the host's memory.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (import "env" "memory" (memory 1))
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32) (i32.const 0))
)

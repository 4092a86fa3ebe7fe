;; big_memory.wat: a hostile wasmgw module (see testdata/hostile/README.md).
;; It declares an initial memory of 4096 pages (256 MiB), twice the default
;; memory limit: no instance of it can ever be created under that limit.
;; The host refuses it at load, naming the declared pages and the limit,
;; before compiling it; it once panicked the host while instantiating.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (memory (export "memory") 4096)
  (data (i32.const 16) "{\"abi\":1,\"tools\":[{\"name\":\"attack\"}]}")
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 37)))
    (i32.const 0))
  (func (export "wasmgw_call_tool") (param i32 i32 i32 i32) (result i32)
    (i32.const 0))
)

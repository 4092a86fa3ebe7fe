;; manifest_v2.wat: a hostile wasmgw module (see testdata/hostile/README.md).
;; Its marker says ABI v1 but its manifest says v2: the host must refuse it
;; when it describes the module, before any profile can call it.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"abi\":2,\"tools\":[{\"name\":\"attack\"}]}")
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 37)))
    (i32.const 0))
  (func (export "wasmgw_call_tool") (param i32 i32 i32 i32) (result i32)
    (i32.const 0))
)

;; table_grow.wat: a hostile wasmgw module (see testdata/hostile/README.md).
;; Its call grows a table declared without a maximum by as many elements as
;; table.grow allows, twice: each element is a word of the host's memory,
;; which the guest's memory limit does not cover (unbounded, the host died
;; of "fatal error: runtime: out of memory"). Then it traps.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 16) "{\"abi\":1,\"tools\":[{\"name\":\"attack\"}]}")
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 37)))
    (i32.const 0))
  (func (export "wasmgw_call_tool") (param i32 i32 i32 i32) (result i32)
    (drop (table.grow $t (ref.null func) (i32.const 0x7ffffff0)))
    (drop (table.grow $t (ref.null func) (i32.const 0x7ffffff0)))
    unreachable)
)

;; start_loop.wat: a hostile wasmgw module (see testdata/hostile/README.md).
;; Its start function loops forever, so describing it (the first thing the
;; host does with a module) never returns on its own. The host describes a
;; module under the limits of the profile that loads it, so the load fails
;; after that module's timeout, not the 10 s default.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32) (i32.const 0))
  (func (export "wasmgw_call_tool") (param i32 i32 i32 i32) (result i32)
    (i32.const 0))
)

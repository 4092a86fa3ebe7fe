;; hostcalls.wat: measures the cost of the host path. Tool "noop" answers
;; {} at once; tool "self1000" first makes 1000 host calls (self with an
;; empty buffer), so (self1000 - noop) / 1000 is one host-function round
;; trip. Regenerate hostcalls.wasm with `make wat`.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (import "wasmgw" "self" (func $self (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"abi\":1,\"tools\":[{\"name\":\"noop\"},{\"name\":\"self1000\"}]}")
  (data (i32.const 512) "{}")
  (func (export "wasmgw_abi_v1"))
  (func (export "wasmgw_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 55)))
    (i32.const 0))
  (func (export "wasmgw_call_tool") (param $name i32) (param $name_len i32) (param i32 i32) (result i32)
    (local $i i32)
    (if (i32.eq (local.get $name_len) (i32.const 8))
      (then
        (loop $again
          (drop (call $self (i32.const 0) (i32.const 0)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $again (i32.lt_u (local.get $i) (i32.const 1000))))))
    (drop (call $output (i32.const 512) (i32.const 2)))
    (i32.const 0))
)

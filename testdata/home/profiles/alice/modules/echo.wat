;; echo.wat: a wasmgw ABI v1 module written by hand in WebAssembly text, to
;; show that the contract is language-neutral (no SDK, no WASI, no runtime).
;; Regenerate echo.wasm with `make wat` (needs Debian's wabt).
;;
;; Tools:
;;   echo        returns its JSON input unchanged
;;   secret_size returns {"size":N}: the byte length of the profile's
;;               OPENAI_API_KEY as secret_get reports it (never the value)
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (import "wasmgw" "secret_get" (func $secret_get (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; A bump allocator from 4096 up, reset after every call.
  (global $heap (mut i32) (i32.const 4096))

  (data (i32.const 16) "{\"abi\":1,\"tools\":[{\"name\":\"echo\",\"description\":\"Returns its input unchanged (a module written by hand in WebAssembly text).\"},{\"name\":\"secret_size\",\"description\":\"Reports the byte length of OPENAI_API_KEY, never its value.\"}]}")
  (data (i32.const 1024) "{\"code\":\"not_found\",\"message\":\"no such tool\"}")
  (data (i32.const 1100) "OPENAI_API_KEY")
  (data (i32.const 1200) "{\"size\":")
  (data (i32.const 1300) "{\"code\":\"no_key\",\"message\":\"OPENAI_API_KEY is not readable\"}")

  (func (export "wasmgw_abi_v1"))

  (func (export "wasmgw_alloc") (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    ;; grow when the range passes the end of memory
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.lt_s
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
              (i32.const 0))
          (then (return (i32.const 0))))))
    ;; keep 8-byte alignment
    (global.set $heap (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (local.get $p))

  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 16) (i32.const 226)))
    (i32.const 0))

  ;; name == "echo" | "secret_size"
  (func (export "wasmgw_call_tool") (param $name i32) (param $name_len i32) (param $in i32) (param $in_len i32) (result i32)
    (local $status i32) (local $n i32)
    (local.set $status (i32.const 1))
    (block $done
      ;; "echo": 4 bytes, little-endian 0x6f686365
      (if (i32.and (i32.eq (local.get $name_len) (i32.const 4))
                   (i32.eq (i32.load (local.get $name)) (i32.const 0x6f686365)))
        (then
          (drop (call $output (local.get $in) (local.get $in_len)))
          (local.set $status (i32.const 0))
          (br $done)))
      ;; "secret_size": 11 bytes starting "secr"
      (if (i32.and (i32.eq (local.get $name_len) (i32.const 11))
                   (i32.eq (i32.load (local.get $name)) (i32.const 0x72636573)))
        (then
          ;; ask with a zero-size buffer: the result is the size needed
          (local.set $n (call $secret_get (i32.const 1100) (i32.const 14) (i32.const 0) (i32.const 0)))
          (if (i32.lt_s (local.get $n) (i32.const 0))
            (then
              (drop (call $output (i32.const 1300) (i32.const 60)))
              (br $done)))
          ;; {"size":N} with N in decimal (at most 10 digits) at 1208
          (call $output (i32.const 1200) (call $itoa (local.get $n) (i32.const 1208)))
          (drop)
          (local.set $status (i32.const 0))
          (br $done)))
      (drop (call $output (i32.const 1024) (i32.const 45))))
    (global.set $heap (i32.const 4096))
    (local.get $status))

  ;; itoa writes n in decimal followed by '}' at $at and returns the total
  ;; length from 1200.
  (func $itoa (param $n i32) (param $at i32) (result i32)
    (local $digits i32) (local $t i32) (local $i i32)
    (local.set $t (local.get $n))
    (local.set $digits (i32.const 1))
    (block $b (loop $l
      (br_if $b (i32.lt_u (local.get $t) (i32.const 10)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (br $l)))
    (local.set $i (local.get $digits))
    (local.set $t (local.get $n))
    (block $b2 (loop $l2
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $at) (local.get $i)) (i32.add (i32.const 48) (i32.rem_u (local.get $t) (i32.const 10))))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $b2 (i32.eqz (local.get $i)))
      (br $l2)))
    (i32.store8 (i32.add (local.get $at) (local.get $digits)) (i32.const 125))
    (i32.add (i32.sub (local.get $at) (i32.const 1200)) (i32.add (local.get $digits) (i32.const 1))))
)

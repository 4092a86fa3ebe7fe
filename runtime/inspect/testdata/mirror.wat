;; mirror.wat: a wasmgw module whose answers the fuzz targets choose, so that
;; they can feed the host arbitrary guest output through the real call path
;; (runtime/inspect/envelope_fuzz_test.go).
;;
;; - wasmgw_describe outputs the manifest slot at 1024: a little-endian u32
;;   length, then up to 2048 bytes. The fuzz target patches the slot in the
;;   binary (it finds the default manifest below) to describe any manifest.
;; - wasmgw_call_tool expects its input to be a JSON string of hex digits:
;;   the decoded bytes are a status byte, then the output.
;; - wasmgw_handle finds "text":" in its request, hex-decodes the text into a
;;   tool input, calls the tool "mirror" with tool_call, and replies
;;   {"text":"<hex of the CallResult envelope the host returned>"}.
;;
;; Memory (32 pages): 1024 manifest slot; 0x10000 the host's scratch range
;; (wasmgw_alloc, 192 KiB); 0x40000 decoded bytes; 0x80000 the tool_call
;; result buffer (256 KiB); 0xC0000 the handler's reply.
(module
  (import "wasmgw" "output" (func $output (param i32 i32) (result i32)))
  (import "wasmgw" "tool_call" (func $tool_call (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 32)
  (data (i32.const 64) "mirror")
  (data (i32.const 80) "\22text\22:\22")
  (data (i32.const 96) "{\22text\22:\22")
  (data (i32.const 112) "\22}")
  (data (i32.const 128) "0123456789abcdef")
  (data (i32.const 1024) "\25\00\00\00{\22abi\22:1,\22tools\22:[{\22name\22:\22mirror\22}]}"
    ;; the rest of the 2048-byte slot
    "                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                           ")

  (func (export "wasmgw_abi_v1"))

  (func (export "wasmgw_alloc") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 196608))
      (then (i32.const 0))
      (else (i32.const 65536))))

  (func (export "wasmgw_describe") (result i32)
    (drop (call $output (i32.const 1028) (i32.load (i32.const 1024))))
    (i32.const 0))

  ;; nibble value of a hex digit (anything else counts as 0)
  (func $nibble (param $c i32) (result i32)
    (if (i32.and (i32.ge_u (local.get $c) (i32.const 48)) (i32.le_u (local.get $c) (i32.const 57)))
      (then (return (i32.sub (local.get $c) (i32.const 48)))))
    (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 102)))
      (then (return (i32.sub (local.get $c) (i32.const 87)))))
    (i32.const 0))

  ;; decode n hex digit pairs from $src into $dst; returns the byte count
  (func $decode (param $src i32) (param $len i32) (param $dst i32) (result i32)
    (local $i i32)
    (local.set $len (i32.shr_u (local.get $len) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8
          (i32.add (local.get $dst) (local.get $i))
          (i32.or
            (i32.shl (call $nibble (i32.load8_u (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1))))) (i32.const 4))
            (call $nibble (i32.load8_u (i32.add (local.get $src) (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $len))

  ;; encode n bytes from $src as hex digits at $dst
  (func $encode (param $src i32) (param $n i32) (param $dst i32)
    (local $i i32) (local $b i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (i32.store8 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i32.load8_u (i32.add (i32.const 128) (i32.shr_u (local.get $b) (i32.const 4)))))
        (i32.store8 (i32.add (local.get $dst) (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
          (i32.load8_u (i32.add (i32.const 128) (i32.and (local.get $b) (i32.const 15)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; copy n bytes
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $n)))

  (func (export "wasmgw_call_tool") (param $np i32) (param $nl i32) (param $ip i32) (param $il i32) (result i32)
    (local $n i32)
    (if (i32.lt_u (local.get $il) (i32.const 4))
      (then
        (drop (call $output (i32.const 0) (i32.const 0)))
        (return (i32.const 0))))
    ;; skip the JSON string's quotes
    (local.set $n (call $decode (i32.add (local.get $ip) (i32.const 1)) (i32.sub (local.get $il) (i32.const 2)) (i32.const 0x40000)))
    (drop (call $output (i32.const 0x40001) (i32.sub (local.get $n) (i32.const 1))))
    (i32.load8_u (i32.const 0x40000)))

  (func (export "wasmgw_handle") (param $ip i32) (param $il i32) (result i32)
    (local $i i32) (local $start i32) (local $end i32) (local $n i32) (local $r i32)
    (local.set $start (i32.const -1))
    ;; find "text":" (8 bytes at 80)
    (block $found
      (loop $scan
        (br_if $found (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $il)))
        (if (i64.eq (i64.load (i32.add (local.get $ip) (local.get $i))) (i64.load (i32.const 80)))
          (then
            (local.set $start (i32.add (local.get $i) (i32.const 8)))
            (br $found)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i32.lt_s (local.get $start) (i32.const 0))
      (then (unreachable)))
    ;; the text ends at the next quote
    (local.set $end (local.get $start))
    (block $eot
      (loop $more
        (br_if $eot (i32.ge_u (local.get $end) (local.get $il)))
        (br_if $eot (i32.eq (i32.load8_u (i32.add (local.get $ip) (local.get $end))) (i32.const 34)))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $more)))
    (local.set $n (call $decode (i32.add (local.get $ip) (local.get $start)) (i32.sub (local.get $end) (local.get $start)) (i32.const 0x40000)))
    (local.set $r (call $tool_call (i32.const 64) (i32.const 6) (i32.const 0x40000) (local.get $n) (i32.const 0x80000) (i32.const 0x40000)))
    (if (i32.or (i32.lt_s (local.get $r) (i32.const 0)) (i32.gt_u (local.get $r) (i32.const 0x40000)))
      (then (unreachable)))
    ;; {"text":"<hex>"}
    (call $copy (i32.const 0xC0000) (i32.const 96) (i32.const 9))
    (call $encode (i32.const 0x80000) (local.get $r) (i32.const 0xC0009))
    (call $copy (i32.add (i32.const 0xC0009) (i32.shl (local.get $r) (i32.const 1))) (i32.const 112) (i32.const 2))
    (drop (call $output (i32.const 0xC0000) (i32.add (i32.const 11) (i32.shl (local.get $r) (i32.const 1)))))
    (i32.const 0))
)

package suite

// Rows that pass out-of-range pointers and lengths to every host call and
// check the result code each one returns.

import (
	"context"
)

// oobRows are the range rows, in report order.
var oobRows = []rowSpec{
	oobRow("oob.secret_get", "secret_get with names and buffers past the end of memory, wrapping around 4 GiB, too long, empty at a far address, and a zero-capacity buffer far out",
		"fault for every bad range, invalid for a too long or empty name, the needed size for a zero-capacity buffer; never a trap",
		map[string]int64{"secret_name_past_end": -4, "secret_name_wraparound": -4, "secret_name_too_long": -3, "secret_buf_past_end": -4,
			"secret_buf_wraparound": -4, "secret_zero_len_name_far": -3, "secret_zero_cap_far": positive}, "secret_"),
	oobRow("oob.log", "log with a message past the end, attributes wrapping around, a bad level, attributes that are not JSON, and empty ranges far out",
		"fault, fault, invalid, invalid; empty ranges are legal (0)",
		map[string]int64{"log_msg_past_end": -4, "log_attrs_wraparound": -4, "log_bad_level": -3, "log_attrs_not_json": -3, "log_zero_len_far": 0}, "log_"),
	oobRow("oob.output", "output with a range past the end and one wrapping around",
		"fault for both; the call's real output is unaffected",
		map[string]int64{"output_past_end": -4, "output_wraparound": -4}, "output_"),
	oobRow("oob.self", "self with a buffer past the end, one wrapping around, and a zero-capacity one far out",
		"fault, fault, and the needed size",
		map[string]int64{"self_buf_past_end": -4, "self_wraparound": -4, "self_zero_cap_far": positive}, "self_"),
	oobRow("oob.tool_call", "tool_call with a name past the end, an input past the end, a buffer wrapping around",
		"fault for each (ranges are checked before anything else)",
		map[string]int64{"tool_call_past_end": -4, "tool_call_in_past_end": -4, "tool_call_buf_wraparound": -4}, "tool_call_past", "tool_call_in", "tool_call_buf"),
	oobRow("oob.result_read", "result_read with nothing kept, then (after a refused http_fetch) past the end and wrapping around, then correctly",
		"not_found, fault, fault, then the kept error envelope's size",
		map[string]int64{"result_read_nothing": -1, "result_read_past_end": -4, "result_read_wraparound": -4, "result_read_after_refusal": positive}, "result_read_"),
	oobRow("oob.http_fetch", "http_fetch with a request past the end, wrapping around, and a response buffer past the end and wrapping around",
		"fault for each, before any request is considered",
		map[string]int64{"http_fetch_req_past_end": -4, "http_fetch_req_wraparound": -4, "http_fetch_buf_past_end": -4, "http_fetch_buf_wraparound": -4}, "http_fetch_req", "http_fetch_buf"),
	oobRow("oob.overlap", "overlapping ranges: secret_get's buffer over its name, log's attributes over its message, tool_call's three ranges on one another, http_fetch's response over its request",
		"legal: the host copies inputs before it writes (the value's size; 0; unavailable outside a handler; egress refused)",
		map[string]int64{"secret_buf_overlaps_name": positive, "log_msg_is_attrs": 0, "tool_call_all_overlap": -7, "http_fetch_overlap": -8}, "secret_buf_overlaps", "log_msg_is", "tool_call_all", "http_fetch_overlap"),
}

// oobRow is a row that runs the range-attack tools and checks the codes whose
// names start with one of the prefixes against want.
func oobRow(id, tried, expected string, want map[string]int64, prefixes ...string) rowSpec {
	return rowSpec{
		id: id, tried: tried, expected: expected,
		run: func(ctx context.Context, s *suite, _ *Target) observation {
			o := oobCodes(ctx, s, prefixes...)
			o.Output = ""
			return o
		},
		checks: []checker{succeeded, codesAre(want)},
	}
}

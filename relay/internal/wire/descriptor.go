package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ContractVersion is the contract version this package implements.
const ContractVersion = 1

// Length units of a descriptor.
const (
	LenChars = "chars" // Unicode code points
	LenUTF16 = "utf16" // UTF-16 code units (Telegram)
)

// DefaultMaxMessageLength replaces a max_message_length that is not a
// positive integer.
const DefaultMaxMessageLength = 4096

// DefaultEmoji is a descriptor's emoji when it sends none.
const DefaultEmoji = "\U0001F50C" // 🔌

// LegacyOps returns the op set of a connector that advertises no
// supported_ops: send, edit, typing and follow_up (a fresh slice).
func LegacyOps() []string { return []string{OpSend, OpEdit, OpTyping, OpFollowUp} }

// Descriptor is the connector's capability descriptor for one fronted
// platform, fixed for the connection.
type Descriptor struct {
	ContractVersion              int      `json:"contract_version"`
	Platform                     string   `json:"platform"`
	Label                        string   `json:"label"`
	MaxMessageLength             int      `json:"max_message_length"`
	SupportsDraftStreaming       bool     `json:"supports_draft_streaming"`
	SupportsEdit                 bool     `json:"supports_edit"`
	SupportsThreads              bool     `json:"supports_threads"`
	MarkdownDialect              string   `json:"markdown_dialect"`
	LenUnit                      string   `json:"len_unit"`
	Emoji                        string   `json:"emoji"`
	PlatformHint                 string   `json:"platform_hint"`
	PIISafe                      bool     `json:"pii_safe"`
	SupportsContext              bool     `json:"supports_context"`
	SupportsInchannelContinuable bool     `json:"supports_inchannel_continuable"`
	SupportsBlockFormatting      bool     `json:"supports_block_formatting"`
	SupportedOps                 []string `json:"supported_ops"`
}

// DescriptorError names the descriptor field that is missing or invalid.
type DescriptorError struct {
	Field string
	Msg   string
}

// Error names the field and what is wrong with it.
func (e *DescriptorError) Error() string {
	return fmt.Sprintf("relay descriptor: field %q: %s", e.Field, e.Msg)
}

// ParseDescriptor decodes and validates a descriptor object. Every required
// field must be present with its type (contract_version a positive integer,
// platform a non-empty string, len_unit "chars" or "utf16"), else a
// *DescriptorError names it; this is stricter than the reference, whose
// reader dies on a missing field. max_message_length must be present, but a
// value that is not a positive integer becomes 4096. Optional fields of the
// wrong type take their defaults; supported_ops keeps its non-empty strings.
// Unknown keys are ignored.
func ParseDescriptor(raw []byte) (Descriptor, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return Descriptor{}, &DescriptorError{Field: "(descriptor)", Msg: "not a JSON object"}
	}
	d := Descriptor{Emoji: DefaultEmoji}
	need := func(field string) (json.RawMessage, error) {
		v, ok := m[field]
		if !ok {
			return nil, &DescriptorError{Field: field, Msg: "missing"}
		}
		return v, nil
	}
	str := func(field string, dst *string, nonEmpty bool) error {
		v, err := need(field)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(v, dst); err != nil || isJSONNull(v) {
			return &DescriptorError{Field: field, Msg: "expected a string"}
		}
		if nonEmpty && strings.TrimSpace(*dst) == "" {
			return &DescriptorError{Field: field, Msg: "empty"}
		}
		return nil
	}
	boolean := func(field string, dst *bool) error {
		v, err := need(field)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(v, dst); err != nil || isJSONNull(v) {
			return &DescriptorError{Field: field, Msg: "expected true or false"}
		}
		return nil
	}

	v, err := need("contract_version")
	if err != nil {
		return Descriptor{}, err
	}
	n, ok := jsonInt(v)
	if !ok || n < 1 || n > math.MaxInt32 {
		return Descriptor{}, &DescriptorError{Field: "contract_version", Msg: "expected a positive integer"}
	}
	d.ContractVersion = int(n)
	if err := str("platform", &d.Platform, true); err != nil {
		return Descriptor{}, err
	}
	if err := str("label", &d.Label, false); err != nil {
		return Descriptor{}, err
	}
	if v, err = need("max_message_length"); err != nil {
		return Descriptor{}, err
	}
	d.MaxMessageLength = DefaultMaxMessageLength
	if n, ok := jsonInt(v); ok && n > 0 && n <= math.MaxInt32 {
		d.MaxMessageLength = int(n)
	}
	for _, b := range []struct {
		field string
		dst   *bool
	}{
		{"supports_draft_streaming", &d.SupportsDraftStreaming},
		{"supports_edit", &d.SupportsEdit},
		{"supports_threads", &d.SupportsThreads},
	} {
		if err := boolean(b.field, b.dst); err != nil {
			return Descriptor{}, err
		}
	}
	if err := str("markdown_dialect", &d.MarkdownDialect, false); err != nil {
		return Descriptor{}, err
	}
	if err := str("len_unit", &d.LenUnit, false); err != nil {
		return Descriptor{}, err
	}
	if d.LenUnit != LenChars && d.LenUnit != LenUTF16 {
		return Descriptor{}, &DescriptorError{Field: "len_unit", Msg: `expected "chars" or "utf16"`}
	}

	optStr := func(field string, dst *string) {
		var s string
		if v, ok := m[field]; ok && json.Unmarshal(v, &s) == nil && !isJSONNull(v) {
			*dst = s
		}
	}
	optBool := func(field string, dst *bool) {
		var b bool
		if v, ok := m[field]; ok && json.Unmarshal(v, &b) == nil {
			*dst = b
		}
	}
	optStr("emoji", &d.Emoji)
	optStr("platform_hint", &d.PlatformHint)
	optBool("pii_safe", &d.PIISafe)
	optBool("supports_context", &d.SupportsContext)
	optBool("supports_inchannel_continuable", &d.SupportsInchannelContinuable)
	optBool("supports_block_formatting", &d.SupportsBlockFormatting)
	if v, ok := m["supported_ops"]; ok {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil {
			for _, it := range items {
				var s string
				if json.Unmarshal(it, &s) == nil && s != "" && !isJSONNull(it) {
					d.SupportedOps = append(d.SupportedOps, s)
				}
			}
		}
	}
	return d, nil
}

func isJSONNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// jsonInt reads an integer from a JSON number (a fraction is truncated, as
// the reference's int()) or a string holding a decimal integer.
func jsonInt(v json.RawMessage) (int64, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0, false
	}
	text := string(v)
	if v[0] == '"' {
		if err := json.Unmarshal(v, &text); err != nil {
			return 0, false
		}
		text = strings.TrimSpace(text)
		n, err := strconv.ParseInt(text, 10, 64)
		return n, err == nil
	}
	var num json.Number
	if err := json.Unmarshal(v, &num); err != nil {
		return 0, false
	}
	if n, err := num.Int64(); err == nil {
		return n, true
	}
	f, err := num.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// Ops is the op set the connector implements for this platform.
func (d Descriptor) Ops() []string {
	if len(d.SupportedOps) == 0 {
		return LegacyOps()
	}
	return d.SupportedOps
}

// SupportsOp reports whether op may be sent: a new op only when
// advertised, the legacy set when nothing is.
func (d Descriptor) SupportsOp(op string) bool { return slices.Contains(d.Ops(), op) }

// Split cuts text into pieces of at most the descriptor's
// max_message_length, counted in its len_unit; see [SplitText].
func (d Descriptor) Split(text string) []string {
	return SplitText(text, d.MaxMessageLength, d.LenUnit)
}

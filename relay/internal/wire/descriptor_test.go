package wire_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgw/wasmgw/relay/internal/wire"
)

func validDescriptor() map[string]any {
	return map[string]any{
		"contract_version": 1, "platform": "telegram", "label": "Telegram", "max_message_length": 4096,
		"supports_draft_streaming": true, "supports_edit": true, "supports_threads": false,
		"markdown_dialect": "markdownv2", "len_unit": "utf16",
	}
}

func parse(t *testing.T, m map[string]any) (wire.Descriptor, error) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return wire.ParseDescriptor(b)
}

func TestDescriptorDefaults(t *testing.T) {
	d, err := parse(t, validDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Descriptor{ContractVersion: 1, Platform: "telegram", Label: "Telegram", MaxMessageLength: 4096,
		SupportsDraftStreaming: true, SupportsEdit: true, MarkdownDialect: "markdownv2", LenUnit: "utf16", Emoji: "🔌"}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("got %+v\nwant %+v", d, want)
	}
	if !reflect.DeepEqual(d.Ops(), wire.LegacyOps()) || !d.SupportsOp("follow_up") || d.SupportsOp("react") {
		t.Fatalf("legacy ops: %v", d.Ops())
	}
}

func TestDescriptorOptionalAndUnknown(t *testing.T) {
	m := validDescriptor()
	m["emoji"] = "✈️"
	m["platform_hint"] = "be brief"
	m["pii_safe"] = true
	m["supports_context"] = "yes" // wrong type: default
	m["supported_ops"] = []any{"send", "", 5, nil, "react"}
	m["future_field"] = map[string]any{"x": 1}
	d, err := parse(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if d.Emoji != "✈️" || d.PlatformHint != "be brief" || !d.PIISafe || d.SupportsContext {
		t.Fatalf("%+v", d)
	}
	if !reflect.DeepEqual(d.SupportedOps, []string{"send", "react"}) || !d.SupportsOp("react") || d.SupportsOp("follow_up") {
		t.Fatalf("ops %v", d.SupportedOps)
	}
}

func TestDescriptorMaxMessageLengthGarbage(t *testing.T) {
	for _, v := range []any{0, -5, "lots", nil, true, 1e30, []int{1}} {
		m := validDescriptor()
		m["max_message_length"] = v
		d, err := parse(t, m)
		if err != nil || d.MaxMessageLength != wire.DefaultMaxMessageLength {
			t.Errorf("max_message_length %v: %d, %v", v, d.MaxMessageLength, err)
		}
	}
	m := validDescriptor()
	m["max_message_length"] = "2000"
	if d, _ := parse(t, m); d.MaxMessageLength != 2000 {
		t.Fatalf("numeric string: %d", d.MaxMessageLength)
	}
}

func TestDescriptorRequired(t *testing.T) {
	for _, field := range []string{"contract_version", "platform", "label", "max_message_length",
		"supports_draft_streaming", "supports_edit", "supports_threads", "markdown_dialect", "len_unit"} {
		m := validDescriptor()
		delete(m, field)
		_, err := parse(t, m)
		var de *wire.DescriptorError
		if !errors.As(err, &de) || de.Field != field || !strings.Contains(err.Error(), field) {
			t.Errorf("without %s: %v", field, err)
		}
	}
	for field, bad := range map[string]any{"contract_version": "one", "platform": "", "supports_edit": "true", "len_unit": "bytes", "label": 5} {
		m := validDescriptor()
		m[field] = bad
		_, err := parse(t, m)
		var de *wire.DescriptorError
		if !errors.As(err, &de) || de.Field != field {
			t.Errorf("%s=%v: %v", field, bad, err)
		}
	}
	for _, raw := range []string{``, `null`, `[]`, `"x"`, `{`} {
		if _, err := wire.ParseDescriptor([]byte(raw)); err == nil {
			t.Errorf("%q parsed", raw)
		}
	}
}

func TestSplitText(t *testing.T) {
	d := wire.Descriptor{MaxMessageLength: 10, LenUnit: wire.LenUTF16}
	parts := d.Split("hello world, this is 😀😀😀😀😀😀 long")
	if strings.Join(parts, "") != "hello world, this is 😀😀😀😀😀😀 long" {
		t.Fatal("text lost")
	}
	for _, p := range parts {
		n := 0
		for _, r := range p {
			n++
			if r > 0xFFFF {
				n++
			}
		}
		if n > 10 {
			t.Fatalf("part %q is %d utf16 units", p, n)
		}
	}
}

func FuzzParseDescriptor(f *testing.F) {
	b, _ := json.Marshal(validDescriptor())
	f.Add(b)
	f.Add([]byte(`{"contract_version":1,"platform":"x","label":"","max_message_length":"9e99","supports_draft_streaming":false,"supports_edit":false,"supports_threads":false,"markdown_dialect":"","len_unit":"chars","supported_ops":[1,"a",""]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := wire.ParseDescriptor(raw)
		if err != nil {
			var de *wire.DescriptorError
			if !errors.As(err, &de) || de.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if d.MaxMessageLength <= 0 || d.ContractVersion < 1 || strings.TrimSpace(d.Platform) == "" ||
			(d.LenUnit != wire.LenChars && d.LenUnit != wire.LenUTF16) || len(d.Ops()) == 0 {
			t.Fatalf("invalid descriptor accepted: %+v", d)
		}
		for _, op := range d.SupportedOps {
			if op == "" {
				t.Fatal("empty op kept")
			}
		}
	})
}

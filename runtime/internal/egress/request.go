package egress

// Decoding and validating the guest's http_fetch request envelope into a
// Plan: method, URL, headers, body and timeout, with every placeholder
// located. Pure: no policy, no secrets.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
)

// Bounds of a request envelope.
const (
	// maxFetchHeaders bounds the headers of one request.
	maxFetchHeaders = 64
	// maxHeaderValue bounds one request header value (before substitution).
	maxHeaderValue = 16 << 10
	// maxFetchTimeout bounds timeout_ms; the call's deadline applies anyway.
	maxFetchTimeout = time.Hour
)

// Plan is a validated request, placeholders not yet substituted.
type Plan struct {
	Method  string
	URL     *url.URL // fragment dropped
	Target  Target
	Headers [][2]string // canonical name, value
	Body    []byte
	Timeout time.Duration // 0: the call's deadline only
	Refs    []Ref
	// distinct are the distinct names of Refs, sorted (at most
	// MaxPlaceholderNames).
	distinct []string
}

// Names returns the distinct secret names the plan refers to, sorted.
func (f *Plan) Names() []string { return f.distinct }

// Error is a refused or failed fetch: an abi error code and a message
// for the guest (names only, never values).
type Error struct {
	Code int32
	Msg  string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Invalidf returns an abi.ErrInvalid Error with a formatted message.
func Invalidf(format string, args ...any) *Error {
	return &Error{Code: abi.ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// forbiddenHeaders are set by the host (or would defeat its checks).
var forbiddenHeaders = map[string]string{
	"Host":                "the host comes from the URL",
	"Content-Length":      "the host sets it",
	"Transfer-Encoding":   "the host sets it",
	"Connection":          "a hop-by-hop header",
	"Keep-Alive":          "a hop-by-hop header",
	"Upgrade":             "protocol upgrades are not supported",
	"Te":                  "a hop-by-hop header",
	"Trailer":             "trailers are not supported",
	"Proxy-Connection":    "a hop-by-hop header",
	"Proxy-Authorization": "no proxy is used",
	"Accept-Encoding":     "the host negotiates compression itself, so that it can scrub responses",
}

var fetchMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// maxEnvelope bounds a request envelope for a body limit: JSON escaping may
// grow a body sixfold.
func maxEnvelope(maxRequest uint64) uint64 { return 6*maxRequest + 64<<10 }

// ParseRequest decodes and validates a request envelope. It is pure:
// no policy, no secrets.
func ParseRequest(raw []byte, maxRequest uint64, valid func(string) bool) (*Plan, error) {
	if uint64(len(raw)) > maxEnvelope(maxRequest) {
		return nil, &Error{Code: abi.ErrTooLarge, Msg: fmt.Sprintf("request envelope of %d bytes is over the limit for a body of at most %d bytes", len(raw), maxRequest)}
	}
	var req abi.FetchRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, Invalidf("request envelope: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Invalidf("request envelope: trailing data after the JSON object")
	}
	f := &Plan{Method: strings.ToUpper(req.Method)}
	if f.Method == "" {
		f.Method = "GET"
	}
	if !slices.Contains(fetchMethods, f.Method) {
		return nil, Invalidf("method %q: want one of %s", req.Method, strings.Join(fetchMethods, ", "))
	}
	if !utf8.ValidString(req.URL) || strings.ContainsAny(req.URL, "\x00\r\n\t ") {
		return nil, Invalidf("url: control characters or spaces (percent-encode them)")
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, Invalidf("url: %v", errors.Unwrap(err))
	}
	if f.Target, err = TargetOf(u); err != nil {
		return nil, Invalidf("url: %v", err)
	}
	u.Fragment, u.RawFragment = "", ""
	f.URL = u
	names, err := FindPlaceholders(u.RawQuery, MaxPlaceholderRefs, valid)
	if err != nil {
		return nil, Invalidf("url query: %v", err)
	}
	for _, n := range names {
		f.Refs = append(f.Refs, Ref{n, PlaceQuery})
	}
	for _, s := range []string{u.Path, u.RawPath, u.Host} {
		names, err := FindPlaceholders(s, MaxPlaceholderRefs-len(f.Refs), valid)
		if err != nil {
			return nil, Invalidf("url: %v", err)
		}
		for _, n := range names {
			f.Refs = append(f.Refs, Ref{n, PlaceOther})
		}
	}
	if len(req.Headers) > maxFetchHeaders {
		return nil, Invalidf("headers: %d of them, at most %d", len(req.Headers), maxFetchHeaders)
	}
	keys := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := req.Headers[k]
		if !validHeaderName(k) {
			return nil, Invalidf("header name %q: want an HTTP token of at most 256 bytes", clipName(k))
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if why, bad := forbiddenHeaders[ck]; bad {
			return nil, Invalidf("header %s: %s", ck, why)
		}
		if len(v) > maxHeaderValue || !ValidHeaderValue(v) {
			return nil, Invalidf("header %s: value over %d bytes or with control characters", ck, maxHeaderValue)
		}
		if slices.ContainsFunc(f.Headers, func(h [2]string) bool { return h[0] == ck }) {
			return nil, Invalidf("header %s: given twice (names are case-insensitive)", ck)
		}
		names, err := FindPlaceholders(v, MaxPlaceholderRefs-len(f.Refs), valid)
		if err != nil {
			return nil, Invalidf("header %s: %v", ck, err)
		}
		for _, n := range names {
			f.Refs = append(f.Refs, Ref{n, PlaceHeader})
		}
		f.Headers = append(f.Headers, [2]string{ck, v})
	}
	switch {
	case req.Body != "" && req.BodyBase64 != "":
		return nil, Invalidf("body and body_base64 are exclusive")
	case req.BodyBase64 != "":
		if f.Body, err = base64.StdEncoding.DecodeString(req.BodyBase64); err != nil {
			return nil, Invalidf("body_base64: %v", err)
		}
	default:
		f.Body = []byte(req.Body)
	}
	if uint64(len(f.Body)) > maxRequest {
		return nil, &Error{Code: abi.ErrTooLarge, Msg: fmt.Sprintf("request body of %d bytes is over the module's max_request of %d", len(f.Body), maxRequest)}
	}
	names, err = FindPlaceholders(string(f.Body), MaxPlaceholderRefs-len(f.Refs), valid)
	if err != nil {
		return nil, Invalidf("body: %v", err)
	}
	for _, n := range names {
		f.Refs = append(f.Refs, Ref{n, PlaceBody})
	}
	if f.distinct, err = distinctNames(f.Refs); err != nil {
		return nil, Invalidf("%v", err)
	}
	if req.TimeoutMS < 0 || time.Duration(req.TimeoutMS) > maxFetchTimeout/time.Millisecond {
		return nil, Invalidf("timeout_ms: want 0 (the call's deadline) to %d", maxFetchTimeout.Milliseconds())
	}
	f.Timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	return f, nil
}

func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// ValidHeaderValue refuses control characters other than tab (so no value,
// substituted or not, can split a header).
func ValidHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

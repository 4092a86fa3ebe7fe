package runtime

// Decoding and validating the guest's http_fetch request envelope into a
// fetch plan: method, URL, headers, body and timeout, with every
// placeholder located. Pure: no policy, no secrets.

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
	"github.com/wasmgw/wasmgw/runtime/internal/egress"
)

// Placement of a placeholder in a request.
const (
	placeHeader = "header"
	placeQuery  = "query"
	placeBody   = "body"
	placeOther  = "url" // path, host or fragment: never substituted
)

type placeholderRef struct {
	name  string
	place string
}

// fetchPlan is a validated request, placeholders not yet substituted.
type fetchPlan struct {
	method  string
	url     *url.URL
	target  egress.Target
	headers [][2]string // canonical name, value
	body    []byte
	timeout time.Duration
	refs    []placeholderRef
	// distinct are the distinct names of refs, sorted (at most
	// maxPlaceholderNames).
	distinct []string
}

// Bounds of the placeholders of one request: the host's work on them (and
// the audit records and log lines they cause) stays small whatever the
// guest sends.
const (
	// maxPlaceholderNames bounds the distinct secrets one request names.
	maxPlaceholderNames = 32
	// maxPlaceholderRefs bounds the placeholders of one request, repeats
	// included.
	maxPlaceholderRefs = 1024
)

// names returns the distinct secret names the plan refers to, sorted.
func (f *fetchPlan) names() []string { return f.distinct }

// fetchError is a refused or failed fetch: an abi error code and a message
// for the guest (names only, never values).
type fetchError struct {
	code int32
	msg  string
}

func (e *fetchError) Error() string { return e.msg }

func invalidf(format string, args ...any) *fetchError {
	return &fetchError{code: abi.ErrInvalid, msg: fmt.Sprintf(format, args...)}
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

// parseFetchRequest decodes and validates a request envelope. It is pure:
// no policy, no secrets.
func parseFetchRequest(raw []byte, maxRequest uint64) (*fetchPlan, error) {
	if uint64(len(raw)) > maxEnvelope(maxRequest) {
		return nil, &fetchError{code: abi.ErrTooLarge, msg: fmt.Sprintf("request envelope of %d bytes is over the limit for a body of at most %d bytes", len(raw), maxRequest)}
	}
	var req abi.FetchRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, invalidf("request envelope: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidf("request envelope: trailing data after the JSON object")
	}
	f := &fetchPlan{method: strings.ToUpper(req.Method)}
	if f.method == "" {
		f.method = "GET"
	}
	if !slices.Contains(fetchMethods, f.method) {
		return nil, invalidf("method %q: want one of %s", req.Method, strings.Join(fetchMethods, ", "))
	}
	if !utf8.ValidString(req.URL) || strings.ContainsAny(req.URL, "\x00\r\n\t ") {
		return nil, invalidf("url: control characters or spaces (percent-encode them)")
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, invalidf("url: %v", errors.Unwrap(err))
	}
	if f.target, err = egress.TargetOf(u); err != nil {
		return nil, invalidf("url: %v", err)
	}
	u.Fragment, u.RawFragment = "", ""
	f.url = u
	names, err := findPlaceholders(u.RawQuery, maxPlaceholderRefs)
	if err != nil {
		return nil, invalidf("url query: %v", err)
	}
	for _, n := range names {
		f.refs = append(f.refs, placeholderRef{n, placeQuery})
	}
	for _, s := range []string{u.Path, u.RawPath, u.Host} {
		names, err := findPlaceholders(s, maxPlaceholderRefs-len(f.refs))
		if err != nil {
			return nil, invalidf("url: %v", err)
		}
		for _, n := range names {
			f.refs = append(f.refs, placeholderRef{n, placeOther})
		}
	}
	if len(req.Headers) > maxFetchHeaders {
		return nil, invalidf("headers: %d of them, at most %d", len(req.Headers), maxFetchHeaders)
	}
	keys := make([]string, 0, len(req.Headers))
	for k := range req.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := req.Headers[k]
		if !validHeaderName(k) {
			return nil, invalidf("header name %q: want an HTTP token of at most 256 bytes", clipName(k))
		}
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if why, bad := forbiddenHeaders[ck]; bad {
			return nil, invalidf("header %s: %s", ck, why)
		}
		if len(v) > maxHeaderValue || !validHeaderValue(v) {
			return nil, invalidf("header %s: value over %d bytes or with control characters", ck, maxHeaderValue)
		}
		if slices.ContainsFunc(f.headers, func(h [2]string) bool { return h[0] == ck }) {
			return nil, invalidf("header %s: given twice (names are case-insensitive)", ck)
		}
		names, err := findPlaceholders(v, maxPlaceholderRefs-len(f.refs))
		if err != nil {
			return nil, invalidf("header %s: %v", ck, err)
		}
		for _, n := range names {
			f.refs = append(f.refs, placeholderRef{n, placeHeader})
		}
		f.headers = append(f.headers, [2]string{ck, v})
	}
	switch {
	case req.Body != "" && req.BodyBase64 != "":
		return nil, invalidf("body and body_base64 are exclusive")
	case req.BodyBase64 != "":
		if f.body, err = base64.StdEncoding.DecodeString(req.BodyBase64); err != nil {
			return nil, invalidf("body_base64: %v", err)
		}
	default:
		f.body = []byte(req.Body)
	}
	if uint64(len(f.body)) > maxRequest {
		return nil, &fetchError{code: abi.ErrTooLarge, msg: fmt.Sprintf("request body of %d bytes is over the module's max_request of %d", len(f.body), maxRequest)}
	}
	names, err = findPlaceholders(string(f.body), maxPlaceholderRefs-len(f.refs))
	if err != nil {
		return nil, invalidf("body: %v", err)
	}
	for _, n := range names {
		f.refs = append(f.refs, placeholderRef{n, placeBody})
	}
	if f.distinct, err = distinctNames(f.refs); err != nil {
		return nil, invalidf("%v", err)
	}
	if req.TimeoutMS < 0 || time.Duration(req.TimeoutMS) > maxFetchTimeout/time.Millisecond {
		return nil, invalidf("timeout_ms: want 0 (the call's deadline) to %d", maxFetchTimeout.Milliseconds())
	}
	f.timeout = time.Duration(req.TimeoutMS) * time.Millisecond
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

// validHeaderValue refuses control characters other than tab (so no value,
// substituted or not, can split a header).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

package guest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
)

// Placeholder returns "{{secret:NAME}}". Put it in a header value of a
// [FetchRequest] (or in its body or query, where the module's policy allows
// that name there) and the host substitutes the profile's value on its side,
// only for the hosts the module's egress policy binds the name to. The value
// never enters the module's memory, and the module needs no grant to read it.
func Placeholder(name string) string { return "{{secret:" + name + "}}" }

// FetchRequest is one HTTP request made by the host for the module.
type FetchRequest struct {
	// Method defaults to GET.
	Method string
	// URL is an absolute http or https URL.
	URL string
	// Headers, one value per name; values may hold placeholders.
	Headers map[string]string
	// Body is sent as is (after substitution where allowed).
	Body []byte
	// Timeout bounds the request; 0 leaves only the call's own deadline.
	Timeout time.Duration
}

// FetchResponse is the response, scrubbed by the host of the profile's
// secret values.
type FetchResponse struct {
	// Status is the HTTP status code.
	Status int
	// Headers by canonical name.
	Headers map[string][]string
	// Body is the response body, at most the module's max_response bytes.
	Body []byte
	// Truncated: the body was longer than the module's max_response.
	Truncated bool
}

// Header returns the first value of the named header (case-insensitive),
// or "".
func (r *FetchResponse) Header(name string) string {
	for k, vs := range r.Headers {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// Errors a [FetchError] matches with errors.Is.
var (
	// ErrEgress: the module's egress policy refused the request (a host,
	// secret placement, redirect or address it does not allow); nothing
	// was sent.
	ErrEgress = errors.New("refused by the egress policy")
	// ErrNetwork: the request was allowed but failed in transit.
	ErrNetwork = errors.New("request failed in transit")
)

// FetchError is a failed [Fetch]: the host's error code and its
// explanation (which names hosts and secret names, never values).
type FetchError struct {
	// Code is the host's negative result: abi.ErrEgress, abi.ErrNetwork,
	// abi.ErrNotFound, abi.ErrBudget, ...
	Code int32
	// Message is the host's explanation, when it gave one.
	Message string
}

// Error gives the host's explanation, or the name of the code.
func (e *FetchError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("http_fetch: %s (%d)", abi.ErrorName(e.Code), e.Code)
	}
	return "http_fetch: " + e.Message
}

// Unwrap lets errors.Is match ErrEgress, ErrNetwork, ErrNotFound (a bound
// secret the profile does not set) and ErrNoHost.
func (e *FetchError) Unwrap() error {
	switch e.Code {
	case abi.ErrEgress:
		return ErrEgress
	case abi.ErrNetwork:
		return ErrNetwork
	case abi.ErrNotFound:
		return ErrNotFound
	case noHost:
		return ErrNoHost
	}
	return nil
}

// Fetch asks the host to make an HTTP request under the module's egress
// policy (see docs/egress.md). A response with any status is a response; an
// error is a *FetchError.
func Fetch(req FetchRequest) (*FetchResponse, error) {
	env := abi.FetchRequest{Method: req.Method, URL: req.URL, Headers: req.Headers, TimeoutMS: req.Timeout.Milliseconds()}
	if req.Timeout > 0 && env.TimeoutMS == 0 {
		env.TimeoutMS = 1
	}
	if utf8.Valid(req.Body) {
		env.Body = string(req.Body)
	} else {
		env.BodyBase64 = base64.StdEncoding.EncodeToString(req.Body)
	}
	in, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("http_fetch: %w", err)
	}
	buf := make([]byte, 16<<10)
	n := hostHTTPFetch(in, buf)
	if n < 0 {
		return nil, fetchError(n)
	}
	if int(n) > len(buf) {
		buf = make([]byte, n)
		if m := hostResultRead(buf); m != n {
			return nil, &FetchError{Code: m, Message: "reading the response: " + abi.ErrorName(m)}
		}
	}
	var out abi.FetchResponse
	if err := json.Unmarshal(buf[:n], &out); err != nil {
		return nil, fmt.Errorf("http_fetch: bad response envelope: %w", err)
	}
	resp := &FetchResponse{Status: out.Status, Headers: out.Headers, Body: []byte(out.Body), Truncated: out.Truncated}
	if out.BodyBase64 != "" {
		if resp.Body, err = base64.StdEncoding.DecodeString(out.BodyBase64); err != nil {
			return nil, fmt.Errorf("http_fetch: bad response body: %w", err)
		}
	}
	return resp, nil
}

// fetchError reads the explanation the host keeps for a failed fetch.
func fetchError(code int32) error {
	fe := &FetchError{Code: code}
	switch code {
	case abi.ErrFault, abi.ErrBudget, abi.ErrUnavailable, noHost:
		return fe // nothing kept
	}
	buf := make([]byte, 4<<10)
	n := hostResultRead(buf)
	if int(n) > len(buf) {
		buf = make([]byte, n)
		n = hostResultRead(buf)
	}
	var e abi.Error
	if n > 0 && int(n) <= len(buf) && json.Unmarshal(buf[:n], &e) == nil {
		fe.Message = e.Message
	}
	return fe
}

// StatusError is a response whose status is not 2xx, from [PostJSON].
type StatusError struct {
	// Status is the HTTP status code.
	Status int
	// Body is the start of the response body (scrubbed by the host).
	Body string
}

// Error gives the status and the start of the body.
func (e *StatusError) Error() string { return fmt.Sprintf("HTTP status %d: %s", e.Status, e.Body) }

// PostJSON posts in as JSON to url with the given headers (which may hold
// placeholders, such as "Authorization": "Bearer "+Placeholder("OPENAI_API_KEY"))
// and decodes a 2xx response's JSON body into out (when out is not nil).
// Another status is a *StatusError; the response is returned either way
// when there is one.
func PostJSON(url string, headers map[string]string, in, out any) (*FetchResponse, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	h := make(map[string]string, len(headers)+2)
	for k, v := range headers {
		h[k] = v
	}
	for _, d := range [][2]string{{"Content-Type", "application/json"}, {"Accept", "application/json"}} {
		if !hasHeader(h, d[0]) {
			h[d[0]] = d[1]
		}
	}
	resp, err := Fetch(FetchRequest{Method: "POST", URL: url, Headers: h, Body: body})
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		b := resp.Body
		if len(b) > 512 {
			b = b[:512]
		}
		return resp, &StatusError{Status: resp.Status, Body: string(b)}
	}
	if out != nil {
		if resp.Truncated {
			return resp, fmt.Errorf("response body truncated at %d bytes (raise egress.max_response)", len(resp.Body))
		}
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, fmt.Errorf("response body: %w", err)
		}
	}
	return resp, nil
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

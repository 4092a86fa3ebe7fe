package runtime

// The http_fetch host call: decode the envelope, apply the policy, look up
// and substitute the secrets, send the request and return the scrubbed
// response envelope (or an error envelope).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime/internal/egress"
	"github.com/wasmgw/wasmgw/runtime/internal/redact"
)

// fetch serves one http_fetch: raw is the guest's request envelope (a copy).
// It returns the response envelope, or an error code and an abi.Error
// envelope explaining it.
func (b *binding) fetch(ctx context.Context, raw []byte) ([]byte, int32) {
	resp, err := b.doFetch(ctx, raw)
	if err != nil {
		var fe *egress.Error
		if !errors.As(err, &fe) {
			fe = &egress.Error{Code: abi.ErrNetwork, Msg: err.Error()}
		}
		env, _ := json.Marshal(abi.Error{Code: abi.ErrorName(fe.Code), Message: b.learned.Text(fe.Msg, redact.Anonymous)})
		return env, fe.Code
	}
	return resp, 0
}

func (b *binding) doFetch(ctx context.Context, raw []byte) ([]byte, error) {
	p := b.egress
	maxRequest := uint64(defaultMaxRequest)
	if p != nil {
		maxRequest = p.maxRequest
	}
	plan, err := parseFetchRequest(raw, maxRequest)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, b.refuse(&egress.Refusal{Reason: egress.ReasonNoPolicy, Host: plan.Target.String(), Names: plan.Names(),
			Msg: fmt.Sprintf("module %q has no egress policy (wasmgw.modules.%s.egress)", b.module, b.module)}, abi.ErrEgress)
	}
	if r := p.Check(plan); r != nil {
		return nil, b.refuse(r, abi.ErrEgress)
	}
	names := plan.Names()
	values := make(map[string]string, len(names))
	for _, name := range names {
		v, outcome := b.call.scope.Lookup(name, p.names)
		switch outcome {
		case OutcomeGranted:
			values[name] = v
			b.learn(name, v) // substituted for it: scrubbed from what comes back
		case OutcomeNotFound:
			return nil, b.refuse(&egress.Refusal{Reason: egress.ReasonSecretNotFound, Host: plan.Target.String(), Names: []string{name},
				Msg: fmt.Sprintf("secret %q is not set in this profile", name)}, abi.ErrNotFound)
		default:
			return nil, b.refuse(&egress.Refusal{Reason: egress.ReasonSecretDenied, Host: plan.Target.String(), Names: []string{name},
				Msg: fmt.Sprintf("secret %q may not be sent", name)}, abi.ErrEgress)
		}
	}
	req, err := b.buildRequest(ctx, plan, values)
	if err != nil {
		return nil, err
	}
	b.auditEgress(names, plan.Target.String(), OutcomeAllowed, "")
	st := &egress.Fetch{Origin: plan.Target, Current: plan.Target, Names: names}
	rctx := egress.WithFetch(req.Context(), st)
	if plan.Timeout > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(rctx, plan.Timeout)
		defer cancel()
	}
	req = req.WithContext(rctx)
	scrub := egress.NewScrubber(b.learned)
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, b.transportError(ctx, rctx, st, scrub, err)
	}
	defer resp.Body.Close()
	body, truncated, err := egress.ReadScrubbed(resp.Body, p.maxResponse, scrub)
	if err != nil {
		return nil, b.transportError(ctx, rctx, st, scrub, err)
	}
	out := abi.FetchResponse{Status: resp.StatusCode, Truncated: truncated}
	if len(resp.Header) > 0 {
		out.Headers = make(map[string][]string, len(resp.Header))
		for k, vs := range resp.Header {
			k = scrub.Text(k)
			for _, v := range vs {
				out.Headers[k] = append(out.Headers[k], scrub.Text(v))
			}
		}
	}
	if utf8.Valid(body) {
		out.Body = string(body)
	} else {
		out.BodyBase64 = base64.StdEncoding.EncodeToString(body)
	}
	return json.Marshal(out)
}

// buildRequest substitutes the values into a copy of the plan's request.
func (b *binding) buildRequest(ctx context.Context, plan *egress.Plan, values map[string]string) (*http.Request, error) {
	sub := func(s string, esc func(string) string) string { return egress.Substitute(s, values, esc) }
	raw := func(s string) string { return s }
	u := *plan.URL
	u.RawQuery = sub(u.RawQuery, url.QueryEscape)
	body := []byte(sub(string(plan.Body), raw))
	req, err := http.NewRequestWithContext(ctx, plan.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, egress.Invalidf("request: cannot be built")
	}
	if len(body) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	for _, h := range plan.Headers {
		v := sub(h[1], raw)
		if !egress.ValidHeaderValue(v) {
			r := &egress.Refusal{Reason: egress.ReasonValueUnsafe, Host: plan.Target.String(), Names: plan.Names(),
				Msg: fmt.Sprintf("header %s: a substituted value holds control characters and cannot go in a header", h[0])}
			return nil, b.refuse(r, abi.ErrEgress)
		}
		req.Header[h[0]] = []string{v}
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{"wasmgw"}
	}
	return req, nil
}

// transportError classifies a failed request: a policy refusal (at dial or
// redirect) is audited and answered ErrEgress; anything else is ErrNetwork
// with a message built without the request's URL (which may carry a
// substituted value in its query) and scrubbed all the same.
func (b *binding) transportError(callCtx, reqCtx context.Context, st *egress.Fetch, scrub *egress.Scrubber, err error) error {
	var r *egress.Refusal
	if errors.As(err, &r) {
		rr := *r
		if rr.Host == "" {
			rr.Host = st.Current.String()
		}
		if rr.Names == nil {
			rr.Names = st.Names
		}
		return b.refuse(&rr, abi.ErrEgress)
	}
	var msg string
	var dns *net.DNSError
	var ue *url.Error
	switch {
	case callCtx.Err() != nil:
		msg = "the call was stopped (timeout or interrupt) during the request"
	case reqCtx.Err() != nil:
		msg = "the request ran past its timeout_ms"
	case errors.As(err, &dns):
		msg = fmt.Sprintf("cannot resolve %s", st.Current.Host)
	case errors.As(err, &ue):
		msg = fmt.Sprintf("request to %s failed: %v", st.Current, ue.Err)
	default:
		msg = fmt.Sprintf("request to %s failed: %v", st.Current, err)
	}
	b.hostLine(slog.LevelInfo, "http_fetch failed", "host", clipAuditField(scrub.Text(st.Current.String())), "error", scrub.Text(msg))
	return &egress.Error{Code: abi.ErrNetwork, Msg: scrub.Text(msg)}
}

// parseFetchRequest decodes and validates a request envelope, the secret
// names of its placeholders checked by abi.ValidSecretName.
func parseFetchRequest(raw []byte, maxRequest uint64) (*egress.Plan, error) {
	return egress.ParseRequest(raw, maxRequest, abi.ValidSecretName)
}

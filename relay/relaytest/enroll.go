// The Connector's HTTP endpoints POST /relay/enroll and /relay/provision:
// the answers a test sets, and the requests recorded.

package relaytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// HTTPRequest is a recorded enroll or provision request.
type HTTPRequest struct {
	Path          string
	Authorization string
	Body          map[string]any
}

// HTTPAnswer is what an enroll or provision request is answered with.
type HTTPAnswer struct {
	Status int
	// Body is marshalled as JSON; a string or []byte is sent as is.
	Body any
	// Location, with a 3xx Status, redirects.
	Location string
}

// SetEnroll sets the answer to POST /relay/enroll.
func (c *Connector) SetEnroll(f func(HTTPRequest) HTTPAnswer) {
	c.mu.Lock()
	c.enroll = f
	c.mu.Unlock()
}

// SetProvision sets the answer to POST /relay/provision.
func (c *Connector) SetProvision(f func(HTTPRequest) HTTPAnswer) {
	c.mu.Lock()
	c.provision = f
	c.mu.Unlock()
}

// Requests returns the enroll and provision requests received so far.
func (c *Connector) Requests() []HTTPRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]HTTPRequest(nil), c.httpReqs...)
}

// Request returns the next enroll or provision request.
func (c *Connector) Request(ctx context.Context) (HTTPRequest, error) {
	return recv(ctx, c.requests, "an HTTP request")
}

func (c *Connector) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := HTTPRequest{Path: r.URL.Path, Authorization: r.Header.Get("Authorization")}
	if err := json.Unmarshal(raw, &req.Body); err != nil {
		http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.httpReqs = append(c.httpReqs, req)
	f := c.provision
	if r.URL.Path == "/relay/enroll" {
		f = c.enroll
	}
	c.mu.Unlock()
	select {
	case c.requests <- req:
	default:
	}
	ans := f(req)
	if ans.Location != "" {
		w.Header().Set("Location", ans.Location)
	}
	var body []byte
	switch b := ans.Body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		body, _ = json.Marshal(b)
	}
	w.Header().Set("Content-Type", "application/json")
	if ans.Status == 0 {
		ans.Status = 200
	}
	w.WriteHeader(ans.Status)
	_, _ = w.Write(body)
}

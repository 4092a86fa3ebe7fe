package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Result is a tool call's result.
type Result struct {
	// Output is the MCP result as JSON: {"content":[...]} plus
	// "structuredContent" when the server sent it.
	Output json.RawMessage
	// IsError is the server's report that the tool failed; Text then says
	// why.
	IsError bool
	// Text joins the result's text contents.
	Text string
}

// Call calls tool with args (a JSON object) and waits at most the entry's
// timeout (and ctx). A failure the server reports inside its result is a
// Result with IsError set, not an error.
func (c *Conn) Call(ctx context.Context, tool string, args json.RawMessage) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	res, err := c.session.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		if c.life.Err() != nil {
			return nil, errors.New("the connection was closed")
		}
		return nil, c.explain("call "+tool, err)
	}
	out := struct {
		Content           []sdk.Content `json:"content"`
		StructuredContent any           `json:"structuredContent,omitempty"`
	}{Content: res.Content, StructuredContent: res.StructuredContent}
	if out.Content == nil {
		out.Content = []sdk.Content{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("call %s: the result does not encode: %w", tool, err)
	}
	var text []string
	for _, ct := range res.Content {
		if tc, ok := ct.(*sdk.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	return &Result{Output: b, IsError: res.IsError, Text: strings.Join(text, "\n")}, nil
}

// explain adds to err what a child's exit says about it.
func (c *Conn) explain(what string, err error) error {
	if c.proc != nil {
		select {
		case <-c.proc.done:
			if c.proc.err != nil {
				return fmt.Errorf("%s: %w (the server exited: %v; see its stderr log)", what, err, c.proc.err)
			}
			return fmt.Errorf("%s: %w (the server exited; see its stderr log)", what, err)
		default:
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

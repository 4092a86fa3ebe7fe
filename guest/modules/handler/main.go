// Command handler is wasmgw's default message handler, embedded as
// builtin:handler. It answers:
//
//	/tools              the profile's tools
//	/call NAME [JSON]   call a tool (JSON defaults to {}) and reply with its output
//	/help               this list
//	anything else       echoed back, or answered by a model
//
// Model mode: when the handler can read OPENAI_BASE_URL (granted, and set
// in the profile), other text goes to that OpenAI-compatible endpoint with
// the profile's tools offered as functions; the tool calls the model makes
// run in their own sandboxes. The API key is sent as a {{secret:...}}
// placeholder that the host substitutes under the module's egress policy,
// so the key never enters the handler. Each message is its own
// conversation.
//
// It reads no secret itself: tools run in their own sandboxes with their own
// grants.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest/handler"
	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

const help = "Commands:\n/tools — list this profile's tools\n/call NAME {json} — call a tool\n/help — this text\nAnything else is echoed back."

func handle(req abi.HandleRequest) (abi.HandleReply, error) {
	text := strings.TrimSpace(req.Text)
	cmd, rest, _ := strings.Cut(text, " ")
	switch cmd {
	case "/help", "/start":
		return abi.HandleReply{Text: help}, nil
	case "/tools":
		return abi.HandleReply{Text: listTools(req)}, nil
	case "/call":
		name, input, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if name == "" {
			return abi.HandleReply{Text: "usage: /call NAME {json}"}, nil
		}
		input = strings.TrimSpace(input)
		if input != "" && !jsonlex.Valid(input) {
			return abi.HandleReply{Text: "the input is not valid JSON"}, nil
		}
		out, err := handler.CallTool(name, json.RawMessage(input))
		var te *handler.ToolError
		switch {
		case errors.Is(err, handler.ErrUnknownTool):
			return abi.HandleReply{Text: fmt.Sprintf("no tool %q here; try /tools", name)}, nil
		case errors.As(err, &te):
			return abi.HandleReply{Text: fmt.Sprintf("%s failed: %s", name, te.Message)}, nil
		case err != nil:
			return abi.HandleReply{}, err
		}
		return abi.HandleReply{Text: string(out)}, nil
	case "":
		return abi.HandleReply{}, nil
	}
	if p, ok := findProvider(req.Secrets); ok {
		answer, err := converse(p, req)
		if err != nil {
			return abi.HandleReply{Text: "Sorry, the model could not answer: " + err.Error()}, nil
		}
		return abi.HandleReply{Text: answer}, nil
	}
	return abi.HandleReply{Text: "echo: " + text}, nil
}

// listTools lists the profile's wasm tools, then its MCP servers' tools
// (mcp.SERVER.TOOL, called with /call like any other).
func listTools(req abi.HandleRequest) string {
	if len(req.Tools) == 0 {
		return "This profile offers no tools."
	}
	var wasm, mcp []abi.ToolInfo
	for _, t := range req.Tools {
		if strings.HasPrefix(t.Name, "mcp.") {
			mcp = append(mcp, t)
		} else {
			wasm = append(wasm, t)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tools of %s:", req.Profile)
	for _, t := range wasm {
		fmt.Fprintf(&b, "\n• %s — %s", t.Name, firstLine(t.Description))
	}
	if len(mcp) > 0 {
		b.WriteString("\nMCP tools:")
		for _, t := range mcp {
			fmt.Fprintf(&b, "\n• %s — %s", t.Name, firstLine(t.Description))
		}
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func init() { handler.Handle(handle) }

func main() {}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/guest"
	"github.com/wasmgw/wasmgw/guest/handler"
	"github.com/wasmgw/wasmgw/internal/jsonlex"
)

// provider is an OpenAI-compatible endpoint named by the profile: the base
// URL is a setting the handler reads (it must be granted), the key a secret
// it never reads: the host substitutes it into the request.
type provider struct {
	baseURL string
	keyName string
	model   string
}

// providers lists, in order, the settings the handler looks for: OpenAI's
// own variables, then the reference's OpenRouter ones.
var providers = []struct{ baseVar, keyVar, defaultBase string }{
	{"OPENAI_BASE_URL", "OPENAI_API_KEY", ""},
	{"OPENROUTER_BASE_URL", "OPENROUTER_API_KEY", ""},
}

// findProvider returns the profile's model endpoint, or false when none is
// configured (or the handler was not granted its settings): the handler then
// answers commands and echoes. It reads only names the host says it may
// (req.Secrets), so a handler without the grants leaves no denied reads in
// the audit trail.
func findProvider(readable []string) (provider, bool) {
	for _, p := range providers {
		if !slices.Contains(readable, p.baseVar) {
			continue
		}
		base, err := guest.Secret(p.baseVar)
		if err != nil || strings.TrimSpace(base) == "" {
			continue
		}
		model := "gpt-4o-mini"
		for _, v := range []string{"OPENAI_MODEL", "LLM_MODEL"} {
			if !slices.Contains(readable, v) {
				continue
			}
			if m, err := guest.Secret(v); err == nil && strings.TrimSpace(m) != "" {
				model = strings.TrimSpace(m)
				break
			}
		}
		return provider{baseURL: strings.TrimRight(strings.TrimSpace(base), "/"), keyName: p.keyVar, model: model}, true
	}
	return provider{}, false
}

type chatMessage struct {
	Role       string     `json:"role"`
	Content    *string    `json:"content"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

type toolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatTool struct {
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
	Tools    []chatTool    `json:"tools,omitempty"`
}

type chatResponse struct {
	Choices []struct {
		Message      chatMessage `json:"message"`
		FinishReason string      `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// maxRounds bounds the model's tool-calling rounds for one message.
const maxRounds = 6

func str(s string) *string { return &s }

// functionName maps a tool name to one a chat API accepts
// ([a-zA-Z0-9_-]{1,64}).
func functionName(tool string) string {
	var b strings.Builder
	for _, r := range tool {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteString("__")
		}
	}
	s := b.String()
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// converse answers one message with the model, running the tools it asks
// for (each in its own sandbox) until it replies in text.
func converse(p provider, req abi.HandleRequest) (string, error) {
	byFunc := map[string]string{}
	var tools []chatTool
	for _, t := range req.Tools {
		fn := functionName(t.Name)
		byFunc[fn] = t.Name
		params := t.InputSchema
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object"}`)
		}
		tools = append(tools, chatTool{Type: "function", Function: chatFunction{Name: fn, Description: t.Description, Parameters: params}})
	}
	msgs := []chatMessage{
		{Role: "system", Content: str(fmt.Sprintf("You are the assistant of profile %q. Use the tools when they help; answer briefly.", req.Profile))},
		{Role: "user", Content: str(req.Text)},
	}
	for range maxRounds {
		body, err := json.Marshal(chatRequest{Model: p.model, Messages: msgs, Tools: tools})
		if err != nil {
			return "", err
		}
		resp, err := guest.Fetch(guest.FetchRequest{
			Method: "POST",
			URL:    p.baseURL + "/chat/completions",
			Headers: map[string]string{
				"Authorization": "Bearer " + guest.Placeholder(p.keyName),
				"Content-Type":  "application/json",
			},
			Body:    body,
			Timeout: 60 * time.Second,
		})
		if err != nil {
			return "", err
		}
		var cr chatResponse
		if err := json.Unmarshal(resp.Body, &cr); err != nil {
			return "", fmt.Errorf("the model endpoint answered %d with a body that is not a chat completion", resp.Status)
		}
		if resp.Status/100 != 2 || cr.Error != nil || len(cr.Choices) == 0 {
			msg := fmt.Sprintf("status %d", resp.Status)
			if cr.Error != nil {
				msg += ": " + cr.Error.Message
			}
			return "", errors.New("the model endpoint refused the request: " + msg)
		}
		m := cr.Choices[0].Message
		if len(m.ToolCalls) == 0 {
			if m.Content == nil {
				return "", nil
			}
			return *m.Content, nil
		}
		msgs = append(msgs, chatMessage{Role: "assistant", Content: m.Content, ToolCalls: m.ToolCalls})
		for _, tc := range m.ToolCalls {
			msgs = append(msgs, chatMessage{Role: "tool", ToolCallID: tc.ID, Content: str(runTool(byFunc, tc))})
		}
	}
	return "", fmt.Errorf("the model asked for tools more than %d times", maxRounds)
}

// runTool runs one tool call of the model and returns what to tell it.
func runTool(byFunc map[string]string, tc toolCall) string {
	name, ok := byFunc[tc.Function.Name]
	if !ok {
		return fmt.Sprintf(`{"error":"no tool %s"}`, tc.Function.Name)
	}
	args := strings.TrimSpace(tc.Function.Arguments)
	if args == "" {
		args = "{}"
	}
	if !jsonlex.Valid(args) {
		return `{"error":"the arguments are not valid JSON"}`
	}
	out, err := handler.CallTool(name, json.RawMessage(args))
	if err != nil {
		b, _ := json.Marshal(map[string]string{"error": err.Error()})
		return string(b)
	}
	return string(out)
}

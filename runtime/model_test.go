package runtime_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wasmgw/wasmgw/abi"
	"github.com/wasmgw/wasmgw/runtime"
	"github.com/wasmgw/wasmgw/runtime/runtimetest"
)

// fakeModel is an OpenAI-compatible chat completions endpoint: to a user
// message it answers with a call of the whoami tool; to the tool's result it
// answers in text. It records what it saw.
type fakeModel struct {
	mu    sync.Mutex
	seen  []string // "key|last role|tool content"
	fails []string
}

func (f *fakeModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role       string `json:"role"`
			Content    string `json:"content"`
			ToolCallID string `json:"tool_call_id"`
		} `json:"messages"`
		Tools []struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tools"`
	}
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	last := req.Messages[len(req.Messages)-1]
	f.mu.Lock()
	f.seen = append(f.seen, key+"|"+last.Role+"|"+last.Content)
	if req.Model != "fake-model" {
		f.fails = append(f.fails, "model "+req.Model)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch last.Role {
	case "user":
		hasWhoami := false
		for _, t := range req.Tools {
			hasWhoami = hasWhoami || t.Function.Name == "whoami"
		}
		if !hasWhoami {
			fmt.Fprint(w, `{"choices":[{"message":{"role":"assistant","content":"no whoami tool offered"}}]}`)
			return
		}
		fmt.Fprint(w, `{"choices":[{"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"whoami","arguments":"{}"}}]}}]}`)
	case "tool":
		b, _ := json.Marshal("You are " + last.Content)
		fmt.Fprintf(w, `{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":%s}}]}`, b)
	default:
		http.Error(w, `{"error":{"message":"unexpected role"}}`, http.StatusBadRequest)
	}
}

func TestModelBackedHandlerKeepsKeysApart(t *testing.T) {
	model := &fakeModel{}
	srv := httptest.NewServer(model)
	defer srv.Close()
	profile := func(key string) runtimetest.Profile {
		return runtimetest.Profile{
			Env: "OPENAI_API_KEY=" + key + "\nOPENAI_BASE_URL=" + srv.URL + "/v1\nOPENAI_MODEL=fake-model\n",
			Config: `
wasmgw:
  handler: chat
  modules:
    whoami:
      path: builtin:whoami
      grants: [OPENAI_API_KEY]
    chat:
      path: builtin:handler
      grants: [OPENAI_BASE_URL, OPENAI_MODEL]   # settings only: never the key
      egress:
        allow: ["` + srv.URL + `"]
        secrets: {OPENAI_API_KEY: ["127.0.0.1"]}
        allow_private: true                      # the fake server is on loopback
`,
		}
	}
	keys := map[string]string{"alice": "sk-test-alice-model-1111", "bob": "sk-test-bob-model-2222"}
	home := runtimetest.Home(t, map[string]runtimetest.Profile{"alice": profile(keys["alice"]), "bob": profile(keys["bob"])})
	audit := &runtime.MemoryAudit{}
	e := runtimetest.Engine(t, nil, audit)
	ctx := context.Background()
	var wg sync.WaitGroup
	for name, key := range keys {
		ten, err := e.Open(ctx, runtimetest.OpenProfile(t, home, name))
		if err != nil {
			t.Fatal(err)
		}
		defer ten.Close(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				reply, err := ten.Handle(ctx, abi.HandleRequest{Text: "who am I?", SessionKey: "agent:" + name + ":test:dm:1"})
				sum := sha256.Sum256([]byte(key))
				if err != nil || !strings.Contains(reply.Text, hex.EncodeToString(sum[:])) || !strings.Contains(reply.Text, `"profile":"`+name+`"`) {
					t.Errorf("%s: reply %q err %v", name, reply.Text, err)
				}
			}
		}()
	}
	wg.Wait()

	model.mu.Lock()
	defer model.mu.Unlock()
	if len(model.fails) > 0 {
		t.Errorf("model saw: %v", model.fails)
	}
	if len(model.seen) != 12 {
		t.Fatalf("the model saw %d requests, want 12 (2 rounds x 3 messages x 2 profiles)", len(model.seen))
	}
	for _, s := range model.seen {
		key, rest, _ := strings.Cut(s, "|")
		if key != keys["alice"] && key != keys["bob"] {
			t.Errorf("request with key %q", key)
			continue
		}
		// A tool result is answered with the key of the profile it belongs to.
		if role, content, _ := strings.Cut(rest, "|"); role == "tool" {
			sum := sha256.Sum256([]byte(key))
			if !strings.Contains(content, hex.EncodeToString(sum[:])) {
				t.Errorf("a tool result %q went out with another profile's key", content)
			}
		}
	}
	// The handler never read the key: only its settings.
	for _, r := range audit.Records() {
		if r.Module == "chat" && r.Name == "OPENAI_API_KEY" && r.Outcome == runtime.OutcomeGranted {
			t.Errorf("the handler read the key: %+v", r)
		}
	}
}

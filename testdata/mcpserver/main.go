// Command mcpserver is wasmgw's test MCP server (official Go SDK). It
// speaks stdio by default, or streamable HTTP on a loopback port with
// --http 127.0.0.1:0 (it then prints "listening on URL" as its first line
// of output). Its tools let tests prove what reached it, never by echoing a
// secret:
//
//	whoami   the environment variable NAMES it received (sorted), the
//	         SHA-256 of its token (stdio: the variable named by
//	         --token-env, default TOKEN; HTTP: the Authorization header,
//	         without "Bearer "), its pid and transport
//	spawn    starts a grandchild (this binary with --sleep) and returns its
//	         pid, to show that closing the server leaves no orphan
//	fail     a tool that reports failure (isError)
//	echo     returns its arguments
//	stderr   writes its token to stderr, to show that the host's stderr log
//	         redacts it
//
// With --probe it also offers (to tests of the confinement):
//
//	tryread  tries to read a file or list a directory, and reports whether
//	         it could and how many bytes (never what it read), to show
//	         what the confinement lets a server see
//	trywrite tries to create and remove a file in a directory
//	trykill  tries to send signal 0 to a process id (may it signal it?)
//	tryconnect tries a TCP connection to an address
//	limits   reports its resource limits (open files, data, processes)
//
// Build it with "make build/mcpserver", or let the tests build it.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Whoami is the output of the whoami tool.
type Whoami struct {
	// EnvNames are the names of the server's environment, sorted.
	EnvNames []string `json:"env_names"`
	// TokenSHA256 is the hex SHA-256 of the token.
	TokenSHA256 string `json:"token_sha256"`
	// TokenSource says where the token came from (env:NAME or
	// header:Authorization).
	TokenSource string `json:"token_source"`
	// PID is the server's process id.
	PID int `json:"pid"`
	// Transport is stdio or http.
	Transport string `json:"transport"`
}

// Target is the input of the try* tools.
type Target struct {
	// Path is the file or directory to try (tryread, trywrite).
	Path string `json:"path,omitempty"`
	// PID is the process to signal (trykill).
	PID int `json:"pid,omitempty"`
	// Addr is the host:port to connect to (tryconnect).
	Addr string `json:"addr,omitempty"`
}

// Limits is the output of the limits tool (soft limits; -1: unlimited).
type Limits struct {
	OpenFiles int64 `json:"open_files"`
	Data      int64 `json:"data"`
	Processes int64 `json:"processes"`
}

// Attempt is the output of the try* tools.
type Attempt struct {
	// Path is the file or directory tried.
	Path string `json:"path,omitempty"`
	// PID is the process signalled.
	PID int `json:"pid,omitempty"`
	// OK reports that the attempt succeeded.
	OK bool `json:"ok"`
	// Bytes is how many bytes (or directory entries) were read.
	Bytes int `json:"bytes,omitempty"`
	// Error is why it failed.
	Error string `json:"error,omitempty"`
}

// Spawned is the output of the spawn tool.
type Spawned struct {
	// PID is the grandchild's process id.
	PID int `json:"pid"`
}

// EchoArgs is the input (and output) of the echo tool.
type EchoArgs struct {
	// Text is any text.
	Text string `json:"text"`
	// N is any number.
	N int `json:"n,omitempty"`
}

func main() {
	httpAddr := flag.String("http", "", "serve streamable HTTP on this loopback address (e.g. 127.0.0.1:0) instead of stdio")
	tokenEnv := flag.String("token-env", "TOKEN", "the environment variable holding the token (stdio)")
	sleep := flag.Bool("sleep", false, "block until killed (the grandchild of the spawn tool)")
	probe := flag.Bool("probe", false, "also offer the tryread, trywrite and trykill tools")
	manyTools := flag.Int("many-tools", 0, "also offer this many trivial tools (t0, t1, …), for tests of a long listing")
	shutdownWrite := flag.Int("shutdown-write", 0, "stdio: after stdin closes, write this many bytes to stdout, as a server flushing its output does (and report on stderr how it went)")
	flag.Parse()
	if *sleep {
		select {}
	}
	transport := "stdio"
	if *httpAddr != "" {
		transport = "http"
	}
	server := newServer(transport, *tokenEnv)
	if *probe {
		addTryTools(server)
	}
	for i := range *manyTools {
		mcp.AddTool(server, &mcp.Tool{Name: fmt.Sprintf("t%d", i), Description: "Does nothing."},
			func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, struct{}, error) {
				return nil, struct{}{}, nil
			})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *httpAddr == "" {
		// Like Node servers, report a write to a closed stdout (EPIPE)
		// instead of dying of SIGPIPE.
		signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
		if err := server.Run(ctx, &mcp.StdioTransport{}); err != nil && ctx.Err() == nil {
			log.Fatal(err)
		}
		if *shutdownWrite > 0 {
			n, err := os.Stdout.Write([]byte(strings.Repeat("\n", *shutdownWrite)))
			if err != nil {
				fmt.Fprintf(os.Stderr, "shutdown: write to stdout after %d bytes: %v\n", n, err)
				os.Exit(1)
			}
			fmt.Fprintf(os.Stderr, "shutdown: wrote %d bytes to stdout\n", n)
		}
		return
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		log.Fatal(err)
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Fatalf("refusing to listen on %s: loopback only", ln.Addr())
	}
	fmt.Printf("listening on http://%s/mcp\n", ln.Addr())
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	srv := &http.Server{Handler: handler}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

func newServer(transport, tokenEnv string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "wasmgw-test-mcpserver", Version: "1"}, nil)
	token := func(req *mcp.CallToolRequest) (string, string) {
		if transport == "http" {
			var h string
			if req.Extra != nil && req.Extra.Header != nil {
				h = req.Extra.Header.Get("Authorization")
			}
			return strings.TrimPrefix(h, "Bearer "), "header:Authorization"
		}
		return os.Getenv(tokenEnv), "env:" + tokenEnv
	}
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Reports the environment variable names this server received and the SHA-256 of its token."},
		func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, Whoami, error) {
			var names []string
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				names = append(names, k)
			}
			sort.Strings(names)
			tok, src := token(req)
			sum := sha256.Sum256([]byte(tok))
			return nil, Whoami{EnvNames: names, TokenSHA256: hex.EncodeToString(sum[:]), TokenSource: src, PID: os.Getpid(), Transport: transport}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "spawn", Description: "Starts a grandchild process that sleeps; returns its pid."},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, Spawned, error) {
			self, err := os.Executable()
			if err != nil {
				return nil, Spawned{}, err
			}
			cmd := exec.Command(self, "--sleep")
			cmd.Env = []string{}
			if err := cmd.Start(); err != nil {
				return nil, Spawned{}, err
			}
			return nil, Spawned{PID: cmd.Process.Pid}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Always fails (isError)."},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "this tool always fails"}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Returns its arguments."},
		func(_ context.Context, _ *mcp.CallToolRequest, in EchoArgs) (*mcp.CallToolResult, EchoArgs, error) {
			return nil, in, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "stderr", Description: "Writes its token to stderr (to test the host's redaction)."},
		func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, struct{}, error) {
			tok, _ := token(req)
			fmt.Fprintf(os.Stderr, "debug: my token is %s\n", tok)
			return nil, struct{}{}, nil
		})
	return s
}

func addTryTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "tryread", Description: "Tries to read a file or list a directory; reports whether it could, never the content."},
		func(_ context.Context, _ *mcp.CallToolRequest, in Target) (*mcp.CallToolResult, Attempt, error) {
			out := Attempt{Path: in.Path}
			if fi, err := os.Stat(in.Path); err == nil && fi.IsDir() {
				ents, err := os.ReadDir(in.Path)
				out.OK, out.Bytes = err == nil, len(ents)
				if err != nil {
					out.Error = err.Error()
				}
				return nil, out, nil
			}
			b, err := os.ReadFile(in.Path)
			out.OK, out.Bytes = err == nil, len(b)
			if err != nil {
				out.Error = err.Error()
			}
			return nil, out, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "trywrite", Description: "Tries to create (and then remove) a file in a directory."},
		func(_ context.Context, _ *mcp.CallToolRequest, in Target) (*mcp.CallToolResult, Attempt, error) {
			out := Attempt{Path: in.Path}
			f, err := os.CreateTemp(in.Path, "trywrite-*")
			if err == nil {
				_ = f.Close()
				_ = os.Remove(f.Name())
			}
			out.OK = err == nil
			if err != nil {
				out.Error = err.Error()
			}
			return nil, out, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "tryconnect", Description: "Tries a TCP connection to an address."},
		func(_ context.Context, _ *mcp.CallToolRequest, in Target) (*mcp.CallToolResult, Attempt, error) {
			out := Attempt{Path: in.Addr}
			c, err := net.Dial("tcp", in.Addr)
			if err == nil {
				_ = c.Close()
			}
			out.OK = err == nil
			if err != nil {
				out.Error = err.Error()
			}
			return nil, out, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "limits", Description: "Reports the server's resource limits."},
		func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, Limits, error) {
			get := func(res int) int64 {
				var r syscall.Rlimit
				if err := syscall.Getrlimit(res, &r); err != nil || r.Cur == ^uint64(0) {
					return -1
				}
				return int64(r.Cur)
			}
			return nil, Limits{OpenFiles: get(syscall.RLIMIT_NOFILE), Data: get(syscall.RLIMIT_DATA), Processes: get(6 /* RLIMIT_NPROC */)}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "trykill", Description: "Tries to send signal 0 to a process id."},
		func(_ context.Context, _ *mcp.CallToolRequest, in Target) (*mcp.CallToolResult, Attempt, error) {
			out := Attempt{PID: in.PID}
			err := syscall.Kill(in.PID, 0)
			out.OK = err == nil
			if err != nil {
				out.Error = err.Error()
			}
			return nil, out, nil
		})
}

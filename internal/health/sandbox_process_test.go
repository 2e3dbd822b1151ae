package health_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/sandbox"
	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/internal/vk"
)

// sandboxProcessEnv makes the test binary serve the sandbox instead of
// running tests; benchmarks use it to keep the sandbox's memory out of
// the numbers they report.
const sandboxProcessEnv = "EVOSYNC_BENCH_SANDBOX"

// TestSandboxProcess is the child process's entry point; it is skipped in
// a normal test run.
func TestSandboxProcess(t *testing.T) {
	if os.Getenv(sandboxProcessEnv) != "1" {
		t.Skip("runs only as the benchmark's sandbox process")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("listening " + ln.Addr().String() + "\n")
	http.Serve(ln, sandbox.New(sandbox.Config{}).Handler())
}

type sandboxProcess struct {
	url    string
	client *http.Client
}

// startSandboxProcess runs the sandbox in a child process on loopback.
func startSandboxProcess(b *testing.B) *sandboxProcess {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSandboxProcess$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), sandboxProcessEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening ") {
		b.Fatalf("sandbox process did not start: %q %v", line, err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	return &sandboxProcess{url: "http://" + addr, client: &http.Client{Timeout: 10 * time.Second}}
}

// control calls a sandbox control endpoint and decodes its JSON answer.
func (p *sandboxProcess) control(b *testing.B, action string, form url.Values) map[string]any {
	req, _ := http.NewRequest(http.MethodPost, p.url+"/control/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("control %s: status %d, %v", action, resp.StatusCode, err)
	}
	return out
}

// clients builds provider clients pointed at the sandbox process, with the
// product's settings otherwise.
func (p *sandboxProcess) clients(e *testenv.Env) (*vk.Client, *evotor.Client) {
	cfg := e.Config
	httpClient := httpx.NewClient(cfg.ProviderTimeout)
	vkClient := vk.New(vk.Config{
		ClientID: cfg.VKClientID, ClientSecret: cfg.VKClientSecret, Scopes: cfg.VKScopes,
		APIVersion: cfg.VKAPIVersion, OAuthBaseURL: p.url + "/vk/oauth", APIBaseURL: p.url + "/vk/method",
	}, httpClient)
	evotorClient := evotor.New(evotor.Config{
		ClientID: cfg.EvotorClientID, ClientSecret: cfg.EvotorClientSecret, Scopes: cfg.EvotorScopes,
		OAuthBaseURL: p.url + "/evotor", APIBaseURL: p.url + "/evotor/api",
	}, httpClient)
	return vkClient, evotorClient
}

package catalogsync_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/sandbox"
	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/internal/vk"
)

// Environment variables of the child process that serves the sandbox, so
// that benchmarks keep the sandbox's memory out of the heap they report.
const (
	sandboxProcessEnv     = "EVOSYNC_BENCH_SANDBOX"
	sandboxCatalogSizeEnv = "EVOSYNC_BENCH_CATALOG_SIZE"
)

// TestSandboxProcess is the entry point of the child process. A normal
// test run skips it.
func TestSandboxProcess(t *testing.T) {
	if os.Getenv(sandboxProcessEnv) != "1" {
		t.Skip("runs only as the benchmark's sandbox process")
	}
	size, err := strconv.Atoi(os.Getenv(sandboxCatalogSizeEnv))
	if err != nil {
		t.Fatalf("invalid %s %q: %v", sandboxCatalogSizeEnv, os.Getenv(sandboxCatalogSizeEnv), err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("listening " + ln.Addr().String() + "\n")
	http.Serve(ln, sandbox.New(sandbox.Config{CatalogSize: size}).Handler())
}

type sandboxProcess struct {
	url    string
	client *http.Client
}

// startSandboxProcess runs the sandbox in a child process on loopback,
// with catalogSize products in every Evotor store.
func startSandboxProcess(b *testing.B, catalogSize int) *sandboxProcess {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSandboxProcess$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), sandboxProcessEnv+"=1", sandboxCatalogSizeEnv+"="+strconv.Itoa(catalogSize))
	cmd.Stderr = os.Stderr
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
	return &sandboxProcess{url: "http://" + addr, client: &http.Client{Timeout: 30 * time.Second}}
}

// control posts to a sandbox control endpoint and decodes its JSON result.
func (p *sandboxProcess) control(b *testing.B, action string, form url.Values) map[string]any {
	req, err := http.NewRequest(http.MethodPost, p.url+"/control/"+action, strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out map[string]any
	p.do(b, req, &out)
	return out
}

// get reads a sandbox control page as JSON into out.
func (p *sandboxProcess) get(b *testing.B, path string, out any) {
	req, err := http.NewRequest(http.MethodGet, p.url+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	p.do(b, req, out)
}

func (p *sandboxProcess) do(b *testing.B, req *http.Request, out any) {
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("sandbox %s %s: status %d, %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
}

// callCounts returns the sandbox's counters of one provider, by method,
// from GET /control/state.
func (p *sandboxProcess) callCounts(b *testing.B, provider string) map[string]int {
	var state struct {
		Calls []struct {
			Provider string `json:"provider"`
			Method   string `json:"method"`
			Count    int    `json:"count"`
		} `json:"calls"`
	}
	p.get(b, "/control/state", &state)
	counts := map[string]int{}
	for _, c := range state.Calls {
		if c.Provider == provider {
			counts[c.Method] += c.Count
		}
	}
	return counts
}

// productIDs returns the ids of a store's products in the sandbox's order.
func (p *sandboxProcess) productIDs(b *testing.B, storeID string) []string {
	var store struct {
		ProductIDs []string `json:"product_ids"`
	}
	p.get(b, "/control/evotor/stores/"+url.PathEscape(storeID), &store)
	if len(store.ProductIDs) == 0 {
		b.Fatalf("store %s has no products in the sandbox", storeID)
	}
	return store.ProductIDs
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

package licensekit

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The server the tests talk to: a real licensekit-server on loopback, started and prepared
// by the C tests' script (scripts/lib/test-server.sh).
var server struct {
	url, key, product, code, capacity, binary, dataDir string
}

var tree, _ = filepath.Abs("../..")

func TestMain(m *testing.M) {
	os.Exit(runWithServer(m))
}

func runWithServer(m *testing.M) int {
	binary := os.Getenv("LK_SERVER_BIN")
	if binary == "" {
		binary = filepath.Join(tree, "target", "release", "licensekit-server")
	}
	work, err := os.MkdirTemp("", "lk-go-tests")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	script := `. scripts/lib/test-server.sh && start_test_server "$1" "$2" >&2 && env | grep '^LK_TEST_'`
	cmd := exec.Command("bash", "-c", script, "_", binary, work)
	cmd.Dir = tree
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot start licensekit-server (%s): %v\n", binary, err)
		return 1
	}
	env := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(string(out)))
	for scanner.Scan() {
		if k, v, ok := strings.Cut(scanner.Text(), "="); ok {
			env[k] = v
		}
	}
	if pid, err := strconv.Atoi(env["LK_TEST_SERVER_PID"]); err == nil {
		defer syscall.Kill(pid, syscall.SIGTERM)
	}
	server.url, server.key, server.product = env["LK_TEST_SERVER_URL"], env["LK_TEST_PUBLIC_KEY"], env["LK_TEST_PRODUCT"]
	server.code, server.capacity = env["LK_TEST_LICENSE_CODE"], env["LK_TEST_CAPACITY_CODE"]
	server.binary, server.dataDir = binary, env["LK_TEST_DATA_DIR"]
	os.Setenv("XDG_DATA_HOME", work)
	return m.Run()
}

func newClient(t *testing.T, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{ProductID: server.product, PublicKeys: []string{server.key}, ServerURL: server.url, StoreDir: t.TempDir()}
	if edit != nil {
		edit(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

package licensekit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The binding's figures (issue 13), logged as "bench: NAME VALUE" (go test -v): one
// FeatureEnabled call beside the same lk_feature_enabled call from C on the same store in the
// same run, and the start of a Go program linked to the library (its load and the version
// check) beside a C one's.
func TestBench(t *testing.T) {
	libdir := os.Getenv("LK_GO_BENCH_LIBDIR")
	if libdir == "" {
		t.Skip("LK_GO_BENCH_LIBDIR (the installed library directory) is not set")
	}
	work := t.TempDir()
	cProgram := filepath.Join(work, "feature_check")
	build := exec.Command("cc", "-std=c99", "-O2", "-D_POSIX_C_SOURCE=199309L", "-I"+filepath.Join(tree, "include"),
		filepath.Join(tree, "tests", "bench", "feature_check.c"), "-L"+libdir, "-Wl,-rpath,"+libdir, "-llicensekit", "-o", cProgram)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	goProgram := filepath.Join(work, "first")
	if out, err := buildExample(goProgram).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}

	store := t.TempDir()
	c := newClient(t, func(cfg *Config) { cfg.StoreDir = store })
	if err := c.Activate(context.Background(), server.code); err != nil {
		t.Fatal(err)
	}
	const calls = 500000
	started := time.Now()
	for i := 0; i < calls; i++ {
		if !c.FeatureEnabled("EXPORT") {
			t.Fatal("EXPORT refused")
		}
	}
	goNs := float64(time.Since(started).Nanoseconds()) / calls
	out, err := exec.Command(cProgram, server.product, server.key, store, "EXPORT", strconv.Itoa(calls*4)).Output()
	if err != nil {
		t.Fatal(err)
	}
	cNs, err := strconv.ParseFloat(strings.Fields(string(out))[1], 64)
	if err != nil || cNs <= 0 {
		t.Fatalf("C figure %q: %v", out, err)
	}
	t.Logf("bench: go_feature_enabled_ns %.0f", goNs)
	t.Logf("bench: c_feature_enabled_ns %.1f", cNs)
	t.Logf("bench: go_over_c %.1fx", goNs/cNs)

	bestOf := func(name string, args ...string) time.Duration {
		best := time.Hour
		for i := 0; i < 5; i++ {
			started := time.Now()
			cmd := exec.Command(name, args...)
			_ = cmd.Run() // the C program exits 2 on its usage line, after loading the library
			if d := time.Since(started); d < best {
				best = d
			}
		}
		return best
	}
	goStart := bestOf(goProgram, "-version")
	cStart := bestOf(cProgram)
	t.Logf("bench: go_program_start_ms %.1f (a C program linked to the library: %.1f ms)",
		float64(goStart.Microseconds())/1e3, float64(cStart.Microseconds())/1e3)
	if out, err := exec.Command(goProgram, "-version").Output(); err != nil || !strings.Contains(string(out), Version()) {
		t.Fatalf("the example's -version: %q %v", out, err)
	}
	c.Deactivate(context.Background())
}

func TestFirstProgram(t *testing.T) {
	goProgram := filepath.Join(t.TempDir(), "first")
	if out, err := buildExample(goProgram).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := exec.Command(goProgram, server.product, server.key, server.url, server.code, t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "status: LK_OK\nEXPORT enabled: true\ndeactivated: LK_DEACTIVATED\n"
	if string(out) != want {
		t.Fatalf("the first program printed %q, want %q", out, want)
	}
}

// TestReadmeProgram: the README's Go program is examples/first's run, word for word.
func TestReadmeProgram(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(tree, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := strings.SplitN(strings.SplitN(string(readme), "### Go\n", 2)[1], "\n### ", 2)[0]
	parts := strings.Split(section, "```go\n")
	if len(parts) != 2 {
		t.Fatalf("the README's Go section has %d Go blocks, want 1", len(parts)-1)
	}
	block := strings.SplitN(parts[1], "```", 2)[0]
	example, err := os.ReadFile("examples/first/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(example), block) {
		t.Fatalf("the README's Go block is not in examples/first/main.go:\n%s", block)
	}
}

// buildExample builds examples/first linked as this test binary is.
func buildExample(output string) *exec.Cmd {
	args := []string{"build", "-o", output}
	if linkedStatically {
		args = append(args, "-tags", "licensekit_static")
	}
	return exec.Command("go", append(args, "./examples/first")...)
}

// Package testenv is the one skip policy of the end-to-end tests: under `go test -short` (`make unit`) an
// end-to-end package runs no test; in a full run (`make test`, CI) a missing tool fails the test with the command
// that installs it, and nothing is skipped silently.
package testenv

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Main runs an end-to-end package's tests, or none of them under -short. Use it as the package's TestMain.
func Main(m *testing.M) {
	// testing.Short needs parsed flags; m.Run would parse them only later.
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() {
		fmt.Println("end-to-end package: skipped under -short (make test runs it)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Command returns the path of a program on PATH, or fails the test saying how to install it.
func Command(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not on PATH: %s (or run `go test -short ./...` for the tests that need no tools)", name, install)
	}
	return p
}

// Docker fails the test unless a Docker engine answers.
func Docker(t testing.TB) {
	t.Helper()
	Command(t, "docker", "install Docker Engine (Debian: apt-get install docker.io) and start it")
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Fatalf("docker info failed (%v): start the Docker engine (systemctl start docker, or dockerd &)\n%s",
			err, lastLines(string(out), 3))
	}
}

// Kpt is the kpt CLI the README's commands need.
func Kpt(t testing.TB) string {
	t.Helper()
	return Command(t, "kpt", "install kpt 1.0.0-beta.56 or later (https://kpt.dev/installation/)")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Package fnflags answers the command-line flags every function binary takes, --help and --version; a KRM
// function itself takes no arguments (it reads a ResourceList on stdin).
package fnflags

import (
	"fmt"
	"io"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
)

// Handle answers args for the function name and returns the exit code: 0 for --help and --version, 2 for any
// other argument. usage is the --help text, a format with one %s for the version.
func Handle(name, usage string, args []string, stdout, stderr io.Writer) int {
	switch args[0] {
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, robustmqkpt.Version)
		return 0
	case "--help", "-help", "-h", "help":
		fmt.Fprintf(stdout, usage, robustmqkpt.Version)
		return 0
	}
	fmt.Fprintf(stderr, "%s: unknown argument %q\n\n"+usage, name, args[0], robustmqkpt.Version)
	return 2
}

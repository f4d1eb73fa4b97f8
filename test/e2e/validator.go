package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var (
	validatorOnce sync.Once
	validatorPath string
	validatorErr  error
)

// ValidatorBinary builds functions/robustmq-validate once per test process and returns its path.
func ValidatorBinary() (string, error) {
	validatorOnce.Do(func() {
		root, err := Root()
		if err != nil {
			validatorErr = err
			return
		}
		dir, err := os.MkdirTemp("", "robustmq-validate-")
		if err != nil {
			validatorErr = err
			return
		}
		validatorPath = filepath.Join(dir, "robustmq-validate")
		cmd := exec.Command("go", "build", "-trimpath", "-o", validatorPath, "./functions/robustmq-validate")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			validatorErr = fmt.Errorf("build validator: %v\n%s", err, out)
		}
	})
	return validatorPath, validatorErr
}

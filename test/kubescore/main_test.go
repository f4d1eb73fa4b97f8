package kubescore

import (
	"testing"

	"github.com/robustmq/robustmq-kpt/internal/testenv"
)

// TestMain runs this end-to-end package in full runs only (internal/testenv).
func TestMain(m *testing.M) { testenv.Main(m) }

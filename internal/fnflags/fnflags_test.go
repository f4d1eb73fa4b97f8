package fnflags

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
)

func TestHandle(t *testing.T) {
	const usage = "fn %s: does things\n"
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, Handle("fn", usage, []string{"--version"}, &out, &errOut))
	assert.Equal(t, robustmqkpt.Version+"\n", out.String())
	out.Reset()
	assert.Equal(t, 0, Handle("fn", usage, []string{"--help"}, &out, &errOut))
	assert.Equal(t, "fn "+robustmqkpt.Version+": does things\n", out.String())
	assert.Equal(t, 2, Handle("fn", usage, []string{"--bogus"}, &out, &errOut))
	assert.Equal(t, "fn: unknown argument \"--bogus\"\n\nfn "+robustmqkpt.Version+": does things\n", errOut.String())
}

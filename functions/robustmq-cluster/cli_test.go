package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	robustmqkpt "github.com/robustmq/robustmq-kpt"
)

func TestFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, flags([]string{"--version"}, &out, &errOut))
	assert.Equal(t, robustmqkpt.Version+"\n", out.String())
	out.Reset()
	assert.Equal(t, 0, flags([]string{"--help"}, &out, &errOut))
	assert.Contains(t, out.String(), "ResourceList on stdin")
	assert.Equal(t, 2, flags([]string{"--bogus"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown argument "--bogus"`)
}

// A failed run prints every result to stderr, one line each, so that kustomize shows why; a good run prints
// nothing there.
func TestFailedRunReportsOnStderr(t *testing.T) {
	var stderr bytes.Buffer
	rl := listOf(t, map[string]string{"cluster.yaml": clusterDoc("mq", "", "{logging: {level: verbose}, listeners: {mqtt: {tcp: {port: 0}}}}")})
	ok, err := processAndReport(&stderr)(rl)
	require.NoError(t, err)
	require.False(t, ok)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	assert.Equal(t, []string{
		`error RobustMQCluster/mq spec.logging.level: cluster.yaml: Unsupported value: "verbose": supported values: "trace", "debug", "info", "warn", "error"`,
		`error RobustMQCluster/mq spec.listeners.mqtt.tcp.port: cluster.yaml: Invalid value: 0: must be at least 1`,
	}, lines)

	stderr.Reset()
	rl = listOf(t, map[string]string{"cluster.yaml": clusterDoc("mq", "", "{}")})
	ok, err = processAndReport(&stderr)(rl)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, stderr.String())
}

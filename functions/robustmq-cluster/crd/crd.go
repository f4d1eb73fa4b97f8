// Package crd holds the generated RobustMQCluster CRD and, embedded, the constraints of its schema, so that the
// function enforces the schema it publishes.
package crd

import _ "embed"

// Constraints is constraints.json: the CRD's openAPIV3Schema reduced to its constraints (enum, minimum, maximum,
// pattern, lengths, required) by v1alpha1.CompactSchema. `make generate` writes it after the CRD.
//
//go:embed constraints.json
var Constraints []byte

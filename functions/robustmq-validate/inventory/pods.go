package inventory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

// PodIndexLabel is set by the StatefulSet controller (Kubernetes ≥ 1.28) to the pod's ordinal.
const PodIndexLabel = "apps.kubernetes.io/pod-index"

// BrokerIDEnv is RobustMQ's env override of broker_id (docs/robustmq.md §3).
var BrokerIDEnv = configkeys.EnvOverride("broker_id")

var varRef = regexp.MustCompile(`^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$`)

// IDSource says how a node's pods get their broker_id.
type IDSource int

const (
	IDFromConfig   IDSource = iota // the literal broker_id of server.toml (code default 1)
	IDFromOrdinal                  // the env override from the pod-index label
	IDFromEnvValue                 // the env override with a literal value, the same for every pod
	IDUnknown                      // a script, or a value the rules cannot read
)

// BrokerID says how the node's pods get their broker_id: the source, the env var index (or -1), a literal value,
// and a problem, if the override cannot work.
func (n *Node) BrokerID() (src IDSource, envIndex int, literal int64, problem string) {
	literal = n.Int("broker_id", 1)
	_, inFile := n.Lookup("broker_id")
	envIndex = -1
	for i, e := range n.Container.Env {
		if e.Name == BrokerIDEnv {
			envIndex = i
		}
	}
	if envIndex < 0 {
		if n.Script {
			return IDUnknown, -1, literal, ""
		}
		return IDFromConfig, -1, literal, ""
	}
	e := resolveEnv(n.Container.Env, envIndex)
	if !inFile {
		return IDFromConfig, envIndex, literal, fmt.Sprintf("%s is set but server.toml has no broker_id line: the override "+
			"only replaces keys already in the file (docs/robustmq.md §3), so every pod runs broker_id 1", BrokerIDEnv)
	}
	switch {
	case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
		fp := e.ValueFrom.FieldRef.FieldPath
		if fp == "metadata.labels['"+PodIndexLabel+"']" {
			if n.StatefulSet == nil {
				return IDUnknown, envIndex, literal, fmt.Sprintf("%s comes from the %s label, which only StatefulSet pods have: "+
					"on a %s the value is empty and server.toml does not parse", BrokerIDEnv, PodIndexLabel, n.Kind)
			}
			return IDFromOrdinal, envIndex, literal, ""
		}
		return IDUnknown, envIndex, literal, fmt.Sprintf("%s comes from %s, which is not an integer", BrokerIDEnv, fp)
	case e.ValueFrom != nil:
		return IDUnknown, envIndex, literal, ""
	}
	v, err := strconv.ParseInt(strings.TrimSpace(e.Value), 10, 64)
	if err != nil {
		if strings.Contains(e.Value, "$(") {
			return IDUnknown, envIndex, literal, ""
		}
		return IDUnknown, envIndex, literal, fmt.Sprintf("%s = %q is not an integer", BrokerIDEnv, e.Value)
	}
	return IDFromEnvValue, envIndex, v, ""
}

// resolveEnv follows a value that is exactly $(VAR) to the earlier variable VAR, as the kubelet expands it.
func resolveEnv(env []corev1.EnvVar, i int) corev1.EnvVar {
	e := env[i]
	for depth := 0; depth < 4 && e.ValueFrom == nil; depth++ {
		m := varRef.FindStringSubmatch(e.Value)
		if m == nil {
			break
		}
		found := false
		for j := i - 1; j >= 0; j-- {
			if env[j].Name == m[1] {
				e, i, found = env[j], j, true
				break
			}
		}
		if !found {
			break
		}
	}
	return e
}

// FromSecret reports whether env var i of the container takes its value from a Secret, directly or through a
// $(VAR) reference, and is therefore not written in the manifest.
func FromSecret(env []corev1.EnvVar, i int) bool {
	e := env[i]
	if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
		return true
	}
	// The generator's form: '$(VAR)', a TOML literal string around a reference.
	v := strings.Trim(e.Value, "'\"")
	if m := varRef.FindStringSubmatch(v); m != nil {
		for j := i - 1; j >= 0; j-- {
			if env[j].Name == m[1] {
				return env[j].ValueFrom != nil && env[j].ValueFrom.SecretKeyRef != nil
			}
		}
	}
	return false
}

// pods lists the pods a node's workload creates with their broker ids.
func pods(n *Node) []Pod {
	src, envIndex, literal, _ := n.BrokerID()
	idField := n.ConfigField("broker_id")
	if envIndex >= 0 {
		idField = fmt.Sprintf("%s.env[%d]", n.ContainerPath, envIndex)
	}
	known := src != IDUnknown
	var out []Pod
	switch {
	case n.StatefulSet != nil:
		for o := n.OrdinalStart; o < n.OrdinalStart+n.Replicas; o++ {
			id := literal
			field := idField
			if src == IDFromOrdinal {
				id, field = int64(o), "spec.ordinals.start"
			}
			out = append(out, Pod{Name: fmt.Sprintf("%s-%d", n.Name, o), Ordinal: o, ID: id, IDKnown: known,
				IDField: field, Subdomain: n.StatefulSet.Spec.ServiceName})
		}
	case n.Kind == "Pod":
		sub := n.Spec.Subdomain
		name := n.Name
		if n.Spec.Hostname != "" {
			name = n.Spec.Hostname
		}
		out = append(out, Pod{Name: name, ID: literal, IDKnown: known, IDField: idField, Subdomain: sub})
	default:
		// Deployment and DaemonSet pods have random names; a DaemonSet is counted as two pods, its least on a
		// cluster of more than one node.
		count := n.Replicas
		if count < 0 {
			count = 2
		}
		for i := int32(0); i < count; i++ {
			out = append(out, Pod{Ordinal: i, ID: literal, IDKnown: known, IDField: idField})
		}
	}
	return out
}

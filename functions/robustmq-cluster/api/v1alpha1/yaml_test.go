package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Merge keys are valid YAML and common in hand-written configs: the base is read, and keys after it override.
func TestMergeKeys(t *testing.T) {
	c, errs := Load([]byte(loadHead + `spec:
  environment: staging
  pools:
    - &base {name: meta, roles: [meta], replicas: 3, brokerIdStart: 1, storage: {size: 5Gi}}
    - <<: *base
      name: broker
      roles: [broker, engine]
      brokerIdStart: 101
`))
	require.Empty(t, errs)
	require.Len(t, c.Spec.Pools, 2)
	assert.Equal(t, "broker", c.Spec.Pools[1].Name)
	assert.Equal(t, []Role{RoleBroker, RoleEngine}, c.Spec.Pools[1].Roles)
	assert.Equal(t, "5Gi", c.Spec.Pools[1].Storage.Size.String(), "from the base")
	assert.Equal(t, int32(101), *c.Spec.Pools[1].BrokerIDStart)
}

// YAML-level problems name the field and the line.
func TestYAMLProblemsHavePathAndLine(t *testing.T) {
	for name, tc := range map[string]struct {
		doc, path, detail string
		typ               field.ErrorType
	}{
		"duplicate key": {"spec:\n  pools:\n    - name: a\n      name: b\n", "spec.pools[0].name", "line 7 (first at line 6)", field.ErrorTypeDuplicate},
		"nan":           {"spec:\n  runtime:\n    defaultTopicPartitions: .nan\n", "spec.runtime.defaultTopicPartitions", "line 6: JSON and Kubernetes have no NaN", field.ErrorTypeInvalid},
		"infinity":      {"spec:\n  pools: [{name: a, replicas: -.inf}]\n", "spec.pools[0].replicas", "line 5:", field.ErrorTypeInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, errs := Load([]byte(loadHead + tc.doc))
			require.Len(t, errs, 1, "%v", errs)
			assert.Equal(t, tc.path, errs[0].Field)
			assert.Equal(t, tc.typ, errs[0].Type)
			assert.Contains(t, errs[0].Error(), tc.detail)
		})
	}
}

func TestUnknownFieldSuggestion(t *testing.T) {
	for doc, want := range map[string]string{
		"spec: {enviroment: prod}":                                       `spec.enviroment: Forbidden: unknown field; did you mean "environment"?`,
		"spec: {pools: [{name: a, Replicas: 3}]}":                        `spec.pools[0].Replicas: Forbidden: unknown field; did you mean "replicas"?`,
		"spec: {listeners: {mqtt: {tpc: {port: 1}}}}":                    `spec.listeners.mqtt.tpc: Forbidden: unknown field; did you mean "tcp"?`,
		"spec: {tls: {certManager: {issuerRef: {name: a}, issuer: {}}}}": `spec.tls.certManager.issuer: Forbidden: unknown field; did you mean "issuerRef"?`,
		"spec: {security: {seLinuxOptions: {}}}":                         `spec.security.seLinuxOptions: Forbidden: unknown field; see the function README`,
		"metadata: {name: mq, lables: {a: b}}\nspec: {}":                 `metadata.lables: Forbidden: unknown field; did you mean "labels"?`,
	} {
		data := loadHead + doc
		if doc[:9] == "metadata:" {
			data = "apiVersion: robustmq.io/v1alpha1\nkind: RobustMQCluster\n" + doc
		}
		_, errs := Load([]byte(data))
		require.Len(t, errs, 1, doc)
		assert.Contains(t, errs[0].Error(), want)
	}
}

// A Cyrillic а in a name looks like a Latin a; the message says so.
func TestLookAlikeCharacters(t *testing.T) {
	for doc, path := range map[string]string{
		"spec: {pools: [{name: nоde}]}":               "spec.pools[0].name",        // Cyrillic о
		"spec: {auth: {mqtt: {secretName: mq‐mqtt}}}": "spec.auth.mqtt.secretName", // hyphen U+2010
	} {
		_, errs := Load([]byte(loadHead + doc))
		var found bool
		for _, e := range errs {
			found = found || e.Field == path && assert.Contains(t, e.Detail, "which is not ASCII")
		}
		assert.True(t, found, "%s: %v", doc, errs)
	}
}

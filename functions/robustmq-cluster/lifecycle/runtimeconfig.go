package lifecycle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/api/v1alpha1"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/manifests"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/naming"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/output"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/runtimeconfig"
	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/topology"
)

const (
	runtimeConfigDir    = "/config"
	runtimeConfigVolume = "sections"
	// The client gives up after its timeout; the Job's deadline adds room for pulling the image and starting.
	jobDeadlineMargin = 120
)

// runtimeConfig returns the ConfigMap with the sections and the Job that applies them. Its two NetworkPolicies
// are built with the others (networking.RuntimeConfigPolicies), so the access table lists them.
func runtimeConfig(c *topology.Cluster) ([]output.Object, error) {
	data, err := RuntimeSections(c.Spec.RuntimeConfig)
	if err != nil {
		return nil, err
	}
	job, err := RuntimeConfigJob(c, c.RuntimeConfigTarget(), data)
	if err != nil {
		return nil, err
	}
	return []output.Object{
		{File: RuntimeConfigMapFile, Object: RuntimeConfigMap(c, data)},
		{File: RuntimeConfigJobFile, Object: job},
	}, nil
}

// RuntimeSections renders each set section as the JSON object the admin API takes, in a file named by its
// config type: <type>.json. Keys are sorted, so the content (and the Job's name) is stable.
func RuntimeSections(r *v1alpha1.RuntimeConfig) (map[string]string, error) {
	data := map[string]string{}
	for _, sec := range r.Sections() {
		rs, ok := configkeys.RuntimeSectionByField(sec.Field)
		if !ok {
			return nil, fmt.Errorf("runtime config section %s has no config type", sec.Field)
		}
		raw := map[string]json.RawMessage{}
		for k, v := range sec.Values {
			raw[k] = v.Raw
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("encode runtime config section %s: %w", sec.Field, err)
		}
		data[rs.Type+runtimeconfig.FileSuffix] = string(b)
	}
	return data, nil
}

// jobHash names the Job. A Job's template is immutable and a finished Job never runs again, so each change of
// the sections, or of anything else in the Job (image, timeout, target, labels), needs a new Job: an apply of a
// changed template to the old name would be refused. The same content keeps the same name, and an apply changes
// nothing. Posting the same sections again is harmless: each post replaces a section with the same value.
func jobHash(data map[string]string, spec batchv1.JobSpec) (string, error) {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%s\x00", k, data[k])
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:10], nil
}

// RuntimeConfigURL is the admin API the Job calls: the target pool's headless Service, which resolves to its pods
// (ready or not: the client retries until one answers).
func RuntimeConfigURL(c *topology.Cluster, p *topology.Pool) string {
	return fmt.Sprintf("http://%s:%d", p.HeadlessService, c.Ports.Admin.Port)
}

func RuntimeConfigMap(c *topology.Cluster, data map[string]string) *corev1.ConfigMap {
	n := c.Names
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: n.Meta(n.RuntimeConfigMap(), n.Labels()),
		Data:       data,
	}
}

// RuntimeConfigJob is named by the hash of the sections and its own spec (jobHash). It logs in with the admin Secret and posts every section. It fails on the first section RobustMQ
// refuses (code != 0); transport errors and non-200 answers are retried until spec.runtimeConfig.timeout. A pod
// lost to a disruption (drain, preemption) is replaced without counting as a failure.
func RuntimeConfigJob(c *topology.Cluster, target *topology.Pool, data map[string]string) (*batchv1.Job, error) {
	n := c.Names
	r := c.Spec.RuntimeConfig
	admin := c.Spec.Auth.Admin
	secretEnv := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: admin.SecretName}, Key: key}}}
	}
	spec := corev1.PodSpec{
		ServiceAccountName: n.ServiceAccount(),
		RestartPolicy:      corev1.RestartPolicyNever,
		ImagePullSecrets:   c.Spec.Image.PullSecrets,
		Containers: []corev1.Container{{
			Name:            naming.ComponentRuntimeConfig,
			Image:           r.Image,
			ImagePullPolicy: corev1.PullIfNotPresent,
			Args: []string{
				runtimeconfig.Command,
				"--url=" + RuntimeConfigURL(c, target),
				"--dir=" + runtimeConfigDir,
				"--timeout=" + r.Timeout.Duration.String(),
			},
			Env: []corev1.EnvVar{
				secretEnv(runtimeconfig.EnvUsername, admin.UsernameKey),
				secretEnv(runtimeconfig.EnvPassword, admin.PasswordKey),
			},
			// It writes nothing but a few lines of log; the ephemeral-storage limit bounds those (the kubelet counts
			// container logs against it) and lets the scheduler account for the pod like every other workload.
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi"),
					corev1.ResourceEphemeralStorage: resource.MustParse("8Mi")},
				Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
					corev1.ResourceEphemeralStorage: resource.MustParse("64Mi")},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: runtimeConfigVolume, MountPath: runtimeConfigDir, ReadOnly: true}},
		}},
		Volumes: []corev1.Volume{{Name: runtimeConfigVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: n.RuntimeConfigMap()},
			DefaultMode:          ptr.To(int32(0o444)),
		}}}},
	}
	manifests.Harden(&spec, &c.Spec.Security)
	jobSpec := batchv1.JobSpec{
		BackoffLimit:            ptr.To(int32(0)),
		ActiveDeadlineSeconds:   ptr.To(int64(r.Timeout.Seconds()) + jobDeadlineMargin),
		TTLSecondsAfterFinished: ptr.To(*r.TTLSecondsAfterFinished),
		PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			Action:          batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}},
		}}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: n.RuntimeConfigLabels()},
			Spec:       spec,
		},
	}
	hash, err := jobHash(data, jobSpec)
	if err != nil {
		return nil, fmt.Errorf("hash runtime-config job: %w", err)
	}
	meta := n.Meta(n.RuntimeConfigJob(hash), n.RuntimeConfigLabels())
	meta.Annotations[naming.AnnotationRuntimeConfigHash] = hash
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec:       jobSpec,
	}, nil
}

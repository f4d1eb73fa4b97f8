package v1alpha1

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/robustmq/robustmq-kpt/functions/robustmq-cluster/configkeys"
)

// validateAutoscaling refuses an HPA on pools that keep state: meta pods are Raft voters, and removing one needs
// the explicit node/leave call first (docs/robustmq.md §4, §7); engine pods hold segment data on their PVCs,
// which nothing moves when the HPA removes a pod (docs/robustmq.md §6).
func (p *Pool) validateAutoscaling(pp *field.Path) field.ErrorList {
	a := p.Autoscaling
	if a == nil {
		return nil
	}
	ap := pp.Child("autoscaling")
	var errs field.ErrorList
	if p.Has(RoleMeta) {
		errs = append(errs, field.Forbidden(ap, "a pool with the meta role cannot be autoscaled: its pods are Raft voters, a scale-down removes voters without the node/leave call and can lose the quorum; put the brokers in a pool of their own"))
	}
	if p.Has(RoleEngine) {
		errs = append(errs, field.Forbidden(ap, "a pool with the engine role cannot be autoscaled: its pods hold segment data on their volumes, which a scale-down leaves behind unreplicated; put the brokers in a pool of their own"))
	}
	if a.MaxReplicas < 1 || a.MaxReplicas > maxPoolReplicas {
		errs = append(errs, field.Invalid(ap.Child("maxReplicas"), a.MaxReplicas, fmt.Sprintf("must be between 1 and %d", maxPoolReplicas)))
	}
	if m := *a.MinReplicas; m < 1 || m > a.MaxReplicas {
		errs = append(errs, field.Invalid(ap.Child("minReplicas"), m, fmt.Sprintf("must be between 1 and maxReplicas (%d)", a.MaxReplicas)))
	}
	if p.Replicas != nil && *p.Replicas != a.MaxReplicas {
		errs = append(errs, field.Forbidden(pp.Child("replicas"), "the HorizontalPodAutoscaler owns the replica count of an autoscaled pool: leave replicas unset and use autoscaling.minReplicas and maxReplicas"))
	}
	for _, t := range []struct {
		name string
		v    *int32
	}{{"targetCPUUtilization", a.TargetCPUUtilization}, {"targetMemoryUtilization", a.TargetMemoryUtilization}} {
		if t.v != nil && (*t.v < 1 || *t.v > 100) {
			errs = append(errs, field.Invalid(ap.Child(t.name), *t.v, "must be a percentage between 1 and 100"))
		}
	}
	if k := a.KEDA; k != nil {
		kp := ap.Child("keda")
		if u, err := url.Parse(k.PrometheusAddress); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, field.Invalid(kp.Child("prometheusAddress"), k.PrometheusAddress, "must be an http(s) URL of the Prometheus KEDA queries"))
		}
		if k.ConnectionsPerPod < 1 {
			errs = append(errs, field.Invalid(kp.Child("connectionsPerPod"), k.ConnectionsPerPod, "must be at least 1"))
		}
	}
	if s := *a.ScaleDownStabilizationSeconds; s < 0 || s > 3600 {
		errs = append(errs, field.Invalid(ap.Child("scaleDownStabilizationSeconds"), s, "must be between 0 and 3600 (the HPA's limit)"))
	}
	return errs
}

// validateLifecycle checks spec.runtimeConfig, spec.backup and spec.tls.rollOnRenewal.
func (c *RobustMQCluster) validateLifecycle(spec *field.Path) field.ErrorList {
	s := &c.Spec
	var errs field.ErrorList
	if s.Backup != nil && c.Namespace == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "namespace"),
			"spec.backup names the namespace Velero backs up, and the Schedule lives in Velero's namespace, where a later namespace transformer cannot reach it"))
	}
	if r := s.RuntimeConfig; r != nil {
		errs = append(errs, r.validate(spec.Child("runtimeConfig"), s.Auth.Admin)...)
	}
	if b := s.Backup; b != nil {
		errs = append(errs, b.validate(spec.Child("backup"))...)
	}
	for i, p := range s.Pools {
		if a := p.Autoscaling; a != nil && a.KEDA != nil && !*s.Monitoring.Enabled {
			errs = append(errs, field.Invalid(spec.Child("pools").Index(i).Child("autoscaling", "keda"), "set",
				"KEDA reads mqtt_connections_count from Prometheus, which scrapes the pods only with spec.monitoring.enabled"))
		}
	}
	if *s.TLS.RollOnRenewal && s.TLS.SecretName == "" && s.TLS.CertManager == nil {
		errs = append(errs, field.Invalid(spec.Child("tls", "rollOnRenewal"), true, "needs a TLS Secret to watch: set tls.secretName or tls.certManager"))
	}
	return errs
}

func (r *RuntimeConfig) validate(p *field.Path, admin *CredentialsRef) field.ErrorList {
	var errs field.ErrorList
	sections := r.Sections()
	if len(sections) == 0 {
		errs = append(errs, field.Required(p, "set at least one section (mqttProtocol, mqttSlowSubscribe, mqttFlappingDetect, mqttOfflineMessage, mqttSchema, mqttSystemMonitor, kafkaDynamic) or remove runtimeConfig"))
	}
	if admin == nil {
		errs = append(errs, field.Required(field.NewPath("spec", "auth", "admin"),
			"runtimeConfig logs in to the admin API (POST /api/v1/login) with the admin Secret; without it the cluster runs the public default password"))
	}
	for _, sec := range sections {
		rs, _ := configkeys.RuntimeSectionByField(sec.Field)
		sp := p.Child(sec.Field)
		want := rs.Keys()
		var missing []string
		for _, k := range want {
			if _, ok := sec.Values[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, field.Required(sp, fmt.Sprintf(
				"RobustMQ replaces the whole section %s with what it receives, so every key must be set; missing: %s",
				rs.Type, strings.Join(missing, ", "))))
		}
		keys := make([]string, 0, len(sec.Values))
		for k := range sec.Values {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			kp := sp.Key(k)
			if !slices.Contains(want, k) {
				errs = append(errs, field.NotSupported(kp, k, want))
				continue
			}
			typ, _ := rs.KeyType(k)
			var v any
			if err := json.Unmarshal(sec.Values[k].Raw, &v); err != nil {
				errs = append(errs, field.Invalid(kp, string(sec.Values[k].Raw), err.Error()))
				continue
			}
			if err := configkeys.CheckValue(typ, v); err != nil {
				errs = append(errs, field.Invalid(kp, v, fmt.Sprintf("%s: %s.%s is %s", err, rs.Prefix, k, typ)))
			}
		}
	}
	if r.Image == "" || strings.ContainsAny(r.Image, " \t\n") {
		errs = append(errs, field.Invalid(p.Child("image"), r.Image, "must be an image reference"))
	}
	if t := *r.TTLSecondsAfterFinished; t < 0 {
		errs = append(errs, field.Invalid(p.Child("ttlSecondsAfterFinished"), t, "must not be negative"))
	}
	if d := r.Timeout.Duration; d <= 0 {
		errs = append(errs, field.Invalid(p.Child("timeout"), r.Timeout.String(), "must be positive"))
	}
	return errs
}

func (b *Backup) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if b.Schedule == "" {
		errs = append(errs, field.Required(p.Child("schedule"), `a cron expression, e.g. "0 3 * * *"`))
	} else if _, err := cron.ParseStandard(b.Schedule); err != nil {
		errs = append(errs, field.Invalid(p.Child("schedule"), b.Schedule, fmt.Sprintf("not a cron expression Velero accepts: %v", err)))
	}
	if b.TTL.Duration <= 0 {
		errs = append(errs, field.Invalid(p.Child("ttl"), b.TTL.String(), "must be positive"))
	}
	if b.Method != BackupSnapshot && b.Method != BackupFileSystem {
		errs = append(errs, field.NotSupported(p.Child("method"), b.Method, []BackupMethod{BackupSnapshot, BackupFileSystem}))
	}
	for _, msg := range validation.IsDNS1123Label(b.VeleroNamespace) {
		errs = append(errs, field.Invalid(p.Child("veleroNamespace"), b.VeleroNamespace, msg))
	}
	if l := b.StorageLocation; l != "" {
		for _, msg := range validation.IsDNS1123Subdomain(l) {
			errs = append(errs, field.Invalid(p.Child("storageLocation"), l, msg))
		}
	}
	return errs
}

// runtimeKeyInFile explains why a live-config key is refused in extraConfig.
func runtimeKeyInFile(key string, rs configkeys.RuntimeSection) string {
	return fmt.Sprintf("%q belongs to %s, which RobustMQ's admin API changes live and re-applies over server.toml at every start (docs/robustmq.md §11.6): set it in spec.runtimeConfig.%s, the one place it is rendered",
		key, rs.Type, rs.Field)
}

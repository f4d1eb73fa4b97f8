{{/*
robustmq.prune drops null values, and objects left empty by that, from a map, lists included: values.yaml writes
an unset key as null (or an object with nothing set), and the function must see such keys as absent.
*/}}
{{- define "robustmq.prune" -}}
{{- $out := dict -}}
{{- range $k, $v := . -}}
{{- if kindIs "map" $v -}}
{{- $p := include "robustmq.prune" $v | fromYaml -}}
{{- if $p -}}{{- $_ := set $out $k $p -}}{{- end -}}
{{- else if kindIs "slice" $v -}}
{{- $l := list -}}
{{- range $v -}}
{{- if kindIs "map" . -}}{{- $l = append $l (include "robustmq.prune" . | fromYaml) -}}{{- else -}}{{- $l = append $l . -}}{{- end -}}
{{- end -}}
{{- $_ := set $out $k $l -}}
{{- else if not (kindIs "invalid" $v) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
robustmq.requireAPI fails the install with a clear message when the cluster lacks an API the spec needs.
Arguments: (list $ "group/version/Kind" "what needs it" "how to fix").
*/}}
{{- define "robustmq.requireAPI" -}}
{{- $root := index . 0 -}}
{{- $api := index . 1 -}}
{{- if not ($root.Capabilities.APIVersions.Has $api) -}}
{{- fail (printf "\n%s needs %s, which this cluster does not serve: %s." (index . 2) $api (index . 3)) -}}
{{- end -}}
{{- end -}}

{{/*
robustmq.checkPrerequisites checks the optional operators' CRDs on install and upgrade. Monitoring's default
follows the environment as the function's defaults do (on in staging and prod); test/helm checks the two agree.
Only a live cluster's discovery lists kinds ("apps/v1/StatefulSet"); `helm template` and `helm lint` know only
built-in group versions, so offline there is nothing to check against and the check is skipped.
*/}}
{{- define "robustmq.checkPrerequisites" -}}
{{- if .Capabilities.APIVersions.Has "apps/v1/StatefulSet" -}}
{{- $spec := include "robustmq.prune" (omit .Values "approve" "global") | fromYaml -}}
{{- $mon := $spec.monitoring | default dict -}}
{{- $monOn := ne ($spec.environment | default "dev") "dev" -}}
{{- if hasKey $mon "enabled" }}{{ $monOn = $mon.enabled }}{{ end -}}
{{- if $monOn -}}
{{- if or (not (hasKey $mon "prometheusOperator")) $mon.prometheusOperator -}}
{{- $fix := "install the Prometheus Operator CRDs first, or set monitoring.prometheusOperator=false (or monitoring.enabled=false)" -}}
{{- include "robustmq.requireAPI" (list . "monitoring.coreos.com/v1/ServiceMonitor" "monitoring (on by default in staging and prod)" $fix) -}}
{{- include "robustmq.requireAPI" (list . "monitoring.coreos.com/v1/PrometheusRule" "monitoring (on by default in staging and prod)" $fix) -}}
{{- end -}}
{{- if $mon.grafanaOperator -}}
{{- include "robustmq.requireAPI" (list . "grafana.integreatly.org/v1beta1/GrafanaDashboard" "monitoring.grafanaOperator" "install grafana-operator first, or set monitoring.grafanaOperator=false") -}}
{{- end -}}
{{- end -}}
{{- if ($spec.tls | default dict).certManager -}}
{{- include "robustmq.requireAPI" (list . "cert-manager.io/v1/Certificate" "tls.certManager" "install cert-manager first, or use tls.secretName with a Secret you create") -}}
{{- end -}}
{{- end -}}
{{- end -}}

package oracle

import "strings"

type m = map[string]any
type l = []any

// edge is a field path of the RobustMQCluster and values at and past its edges: the CRD's enums and bounds, the
// API server's rules for the fields passed through, and RobustMQ's own types. Each value alone, and in random
// combination, is rendered and applied.
type edge struct {
	path   string
	values []any
}

var long63 = strings.Repeat("a", 63)

var edges = []edge{
	{"metadata.name", l{"mq", strings.Repeat("m", 47), strings.Repeat("m", 48), "MQ", "m-q", "1mq"}},
	{"metadata.labels", l{m{"team": "a"}, m{"a b": "c"}, m{"team": "a b"}, m{"robustmq.io/x": "y"}, m{"example.com/" + long63: "x"}}},
	{"metadata.annotations", l{m{"note": strings.Repeat("x", 1000)}, m{"robustmq.io/generated-by": "robustmq-cluster"}, m{"robustmq.io/approve": "yes"}}},
	{"metadata", l{
		m{"name": strings.Repeat("m", 47), "namespace": "oracle"},
		m{"name": "mq", "namespace": "oracle", "labels": m{"app.kubernetes.io/part-of": "shop"}},
	}},
	{"spec.environment", l{"dev", "staging", "prod", "Prod"}},
	{"spec.version", l{"v0.4.10", "v0.4.11", "v0.4.9"}},
	{"spec.image.registry", l{"ghcr.io", "localhost:5000", "https://ghcr.io", "mirror.example.com/path", "[::1]:5000", "myregistry"}},
	{"spec.image.repository", l{"robustmq/robustmq", "Robust/mq", "a//b", "team/robust.mq"}},
	{"spec.image.tag", l{"v0.4.11", "v0.4.10", "latest", "v0.4.11+1", ".x", strings.Repeat("t", 129)}},
	{"spec.image.digest", l{"sha256:" + strings.Repeat("a", 64), "sha256:abc", "sha512:" + strings.Repeat("a", 128)}},
	{"spec.image.pullPolicy", l{"Always", "Never", "Sometimes"}},
	{"spec.image.pullSecrets", l{l{m{"name": "reg"}}, l{m{"name": "Reg Cred"}}, l{m{"name": ""}}, l{m{}}}},
	{"spec.pools", l{
		l{m{"name": "meta", "roles": l{"meta"}, "replicas": 3, "brokerIdStart": 1}, m{"name": "broker", "roles": l{"broker"}, "replicas": 2, "brokerIdStart": 101}, m{"name": "engine", "roles": l{"engine"}, "replicas": 2, "brokerIdStart": 201}},
		l{m{"name": "meta", "roles": l{"meta", "broker"}, "replicas": 1, "brokerIdStart": 1}, m{"name": "engine", "roles": l{"engine"}, "replicas": 3, "brokerIdStart": 2}},
		l{m{"name": "a", "replicas": 1, "brokerIdStart": 1}, m{"name": "b", "roles": l{"broker"}, "replicas": 2, "brokerIdStart": 1}},
		l{m{"name": "a", "replicas": 1}, m{"name": "a", "roles": l{"broker"}, "replicas": 1}},
		l{m{"name": "m", "roles": l{"meta"}, "brokerIdStart": 1}, m{"name": "be", "roles": l{"broker", "engine"}, "replicas": 100, "brokerIdStart": 10}},
	}},
	{"spec.pools.replicas", l{1, 3, 7, 9, 0, 100, 101, 4}},
	{"spec.pools.name", l{"node", "n-1", "Node", "a-", strings.Repeat("n", 40), strings.Repeat("n", 49), strings.Repeat("n", 50), "a.b"}},
	{"spec.pools.roles", l{l{"meta", "broker", "engine"}, l{"meta", "broker"}, l{"meta", "meta", "broker", "engine"}, l{"Meta", "broker", "engine"}}},
	{"spec.pools.brokerIdStart", l{1, 1000000, 0, 1000001, 2147483647}},
	{"spec.pools.resources", l{
		m{"requests": m{"cpu": "-1"}}, m{"limits": m{"cpu": "50m"}}, m{"requests": m{"cpus": "1"}},
		m{"requests": m{"ephemeral-storage": "2Gi"}, "limits": m{"ephemeral-storage": "1Gi"}},
		m{"limits": m{"ephemeral-storage": "1Gi"}}, m{"requests": m{"hugepages-2Mi": "4Mi"}, "limits": m{"hugepages-2Mi": "4Mi"}},
		m{"requests": m{"hugepages-2Mi": "3Mi"}, "limits": m{"hugepages-2Mi": "3Mi"}},
		m{"requests": m{"example.com/gpu": "1"}, "limits": m{"example.com/gpu": "1"}},
		m{"requests": m{"example.com/gpu": "1"}}, m{"limits": m{"memory": "0"}}, m{"requests": m{"cpu": "0"}},
		m{"requests": m{"memory": "10Gi"}}, m{"claims": l{m{"name": "gpu"}}}, m{"limits": m{"storage": "1Gi"}},
	}},
	{"spec.pools.storage.size", l{"1Gi", "0", "-1Gi", "1e3", "10GB"}},
	{"spec.pools.storage.storageClassName", l{"fast", "", "Fast_SSD", "a.b-c", strings.Repeat("s", 254)}},
	{"spec.pools.scheduling.nodeSelector", l{m{"disk": "ssd"}, m{"a b": "c"}, m{"disk": "fast ssd"}, m{"kubernetes.io/os": "linux"}, m{"disk": ""}, m{"-x": "y"}}},
	{"spec.pools.scheduling.tolerations", l{
		l{m{"operator": "Exists"}}, l{m{"key": "a", "operator": "Equals", "value": "b"}}, l{m{"key": "a", "operator": "Exists", "value": "b"}},
		l{m{"key": "a", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}},
		l{m{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}},
		l{m{"key": "a", "effect": "NoScheduled"}}, l{m{"operator": "Equal", "value": "x"}}, l{m{"key": "a b"}},
		l{m{"key": "a", "value": "b c"}}, l{m{"key": "a", "operator": "Lt", "value": "5"}},
	}},
	{"spec.pools.scheduling.priorityClassName", l{"high", "High", "system-cluster-critical", "a_b"}},
	{"spec.pools.scheduling.zoneSpread", l{"required", "preferred", "none", "Required"}},
	{"spec.pools.scheduling.hostSpread", l{"required", "preferred", "none", "strict"}},
	{"spec.pools.scheduling.minZones", l{1, 3, 0}},
	{"spec.listeners.mqtt.tcp.port", l{1, 65535, 0, 65536, 58080, 1228, 1778, 8083, -1}},
	{"spec.listeners.mqtt.quic", l{m{"port": 1883, "expose": true}, m{"port": 9083, "expose": true}}},
	{"spec.listeners.kafka", l{m{"port": 9092, "expose": true}, m{"port": 1883, "expose": true}}},
	{"spec.listeners.mqtt", l{m{"tcp": m{"expose": false}, "tls": m{"expose": false}, "websocket": m{"expose": false}, "websocketTLS": m{"expose": false}}}},
	{"spec.service.type", l{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}},
	{"spec.service.annotations", l{m{"a": "b"}, m{"robustmq.io/config-hash": "x"}, m{"a b": "c"}, m{"x": strings.Repeat("v", 300<<10)}, m{"Service.Beta.Kubernetes.IO/x": "y"}}},
	{"spec.service.loadBalancerSourceRanges", l{l{"10.0.0.0/8"}, l{"10.0.0.1/8"}, l{"::ffff:1.2.3.4/128"}, l{"x"}, l{"2001:db8::/32"}}},
	{"spec.service.externalTrafficPolicy", l{"Local", "Cluster", "Locale"}},
	{"spec.auth.mqtt", l{m{"secretName": "m"}, m{"secretName": "M"}, m{"secretName": "m", "passwordKey": "a b"}, m{"secretName": "m", "usernameKey": "x/y"}, m{"secretName": "m", "usernameKey": ".."}}},
	{"spec.auth.jwtSecret", l{m{"name": "j", "key": "k"}, m{"name": "j", "key": "a:b"}, m{"name": "J", "key": "k"}, m{"name": "j"}}},
	{"spec.tls", l{
		m{"secretName": "tls"}, m{"secretName": "My_TLS"},
		m{"certManager": m{"issuerRef": m{"name": "ca", "kind": "ClusterIssuer"}}},
		m{"certManager": m{"issuerRef": m{"name": "ca"}, "extraDNSNames": l{"*.example.com", "mq.example.com"}}},
		m{"certManager": m{"issuerRef": m{"name": "ca"}, "extraDNSNames": l{"a_b.example.com"}}},
		m{"certManager": m{"issuerRef": m{"name": "ca"}, "duration": "30m"}},
		m{"certManager": m{"issuerRef": m{"name": "ca"}, "duration": "24h", "renewBefore": "48h"}},
		m{"certManager": m{"issuerRef": m{"name": "ca", "kind": "Issuer", "group": "Cert_Manager"}}},
	}},
	{"spec.security", l{m{"runAsUser": 0}, m{"runAsUser": -1}, m{"runAsUser": 1000, "runAsGroup": 0, "fsGroup": 0}, m{"runAsUser": 2147483648}, m{"openshift": true}, m{"fsGroup": -5}}},
	{"spec.networkPolicy.clients", l{
		l{m{"cidr": "10.0.0.0/8", "except": l{"10.1.0.0/16"}}}, l{m{"cidr": "10.0.0.0/8", "except": l{"192.168.0.0/16"}}},
		l{m{"cidr": "10.0.0.1/8"}}, l{m{"cidr": "10.0.0.0/8", "except": l{"10.0.0.0/8"}}},
		l{m{"podSelector": m{"matchExpressions": l{m{"key": "app", "operator": "Equals", "values": l{"x"}}}}}},
		l{m{"podSelector": m{"matchExpressions": l{m{"key": "app", "operator": "Exists", "values": l{"x"}}}}}},
		l{m{"namespaceSelector": m{"matchLabels": m{"team": "a b"}}}}, l{m{"podSelector": m{}}},
		l{m{"cidr": "2001:db8::/32", "except": l{"2001:db8:1::/48"}}}, l{m{"cidr": "10.0.0.0/8", "podSelector": m{}}},
	}},
	{"spec.networkPolicy.dns.port", l{53, 0, 65536, 5353}},
	{"spec.monitoring", l{
		m{"enabled": true}, m{"enabled": true, "labels": m{"release": "kps"}}, m{"enabled": true, "labels": m{"release": "a b"}},
		m{"enabled": true, "labels": m{"app.kubernetes.io/name": "x"}}, m{"enabled": true, "namespace": "Monitoring"},
		m{"enabled": true, "grafanaOperator": true, "grafanaInstanceSelector": m{"matchLabels": m{"dashboards": "grafana"}}},
		m{"enabled": true, "grafanaOperator": true, "grafanaInstanceSelector": m{"matchExpressions": l{m{"key": "a", "operator": "In"}}}},
	}},
	{"spec.logging", l{m{"level": "trace"}, m{"level": "verbose"}, m{"format": "json"}, m{"format": "yaml"}}},
	{"spec.runtime", l{m{"defaultTopicReplicas": 0}, m{"defaultTopicReplicas": 1}, m{"defaultTopicReplicas": 3}, m{"defaultTopicPartitions": 0}}},
	{"spec.extraConfig", l{
		m{"mqtt_runtime.keep_alive.max_time": 3600}, m{"mqtt_runtime.schema.strategy": "all"}, m{"mqtt_runtime.schema.strategy": "Any"},
		m{"admin.token_ttl_hours": -1}, m{"kafka_runtime.auto_create_topics_enable": "yes"}, m{"no.such.key": 1},
	}},
	{"spec.podDisruptionBudgets", l{true, false}},
}

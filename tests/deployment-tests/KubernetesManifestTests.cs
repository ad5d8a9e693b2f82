using RedisStreamDemo.Contracts;

namespace Deployment.Tests;

public sealed class KubernetesManifestTests
{
    public static TheoryData<string> AppIds() => new([DaprNames.AppIds.Ingress, DaprNames.AppIds.Proxy]);

    private static Manifest Deployment(string appId) =>
        Assert.Single(Manifests.Deployments, d => Manifests.PodAnnotations(d)["dapr.io/app-id"] == appId);

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Every_deployment_has_the_required_dapr_annotations(string appId)
    {
        var annotations = Manifests.PodAnnotations(Deployment(appId));
        var expected = new Dictionary<string, string>
        {
            ["dapr.io/enabled"] = "true",
            ["dapr.io/app-id"] = appId,
            ["dapr.io/config"] = "appconfig",
            ["dapr.io/enable-metrics"] = "true",
            ["dapr.io/metrics-port"] = "9090",
            ["dapr.io/log-as-json"] = "true",
            ["dapr.io/enable-app-health-check"] = "true",
            ["dapr.io/app-health-check-path"] = "/livez",
            ["dapr.io/app-token-secret"] = "app-api-token",
            ["prometheus.io/scrape"] = "true",
            ["prometheus.io/port"] = "9090",
        };
        foreach (var (key, value) in expected)
        {
            Assert.True(annotations.TryGetValue(key, out var actual), $"{appId}: annotation {key} is missing.");
            Assert.Equal(value, actual);
        }
        foreach (var key in new[] { "cpu-request", "memory-request", "cpu-limit", "memory-limit" })
        {
            Assert.False(string.IsNullOrEmpty(annotations.GetValueOrDefault($"dapr.io/sidecar-{key}")), $"{appId}: dapr.io/sidecar-{key} is missing.");
        }
        // The config annotation names a Configuration that exists.
        Manifests.Single("Configuration", annotations["dapr.io/config"]);
    }

    // dapr/dapr pkg/runtime/runtime.go (Run): with a block-shutdown duration, SIGTERM stops the
    // subscriptions and keeps the API up until the duration passes or the app turns unhealthy; only
    // then the graceful shutdown starts. Without it the API closes while the app drains, so the
    // proxy's drain cannot publish its replies.
    [Theory]
    [MemberData(nameof(AppIds))]
    public void Daprd_keeps_its_api_while_the_app_drains_and_the_pod_outlasts_both_shutdowns(string appId)
    {
        var annotations = Manifests.PodAnnotations(Deployment(appId));
        Assert.True(annotations.TryGetValue("dapr.io/block-shutdown-duration", out var block), $"{appId}: dapr.io/block-shutdown-duration is missing.");
        var blockSeconds = int.Parse(block.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
        var gracefulSeconds = int.Parse(annotations["dapr.io/graceful-shutdown-seconds"], System.Globalization.CultureInfo.InvariantCulture);
        var grace = int.Parse(Deployment(appId).Document.Text("spec", "template", "spec", "terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);

        // The app's drain (HostOptions.ShutdownTimeout, 30 s in both apps) fits in the block.
        Assert.True(blockSeconds >= 30, $"{appId}: block-shutdown-duration {blockSeconds} s is shorter than the app's 30 s drain.");
        Assert.True(gracefulSeconds > 0);
        // The block starts after the subscriptions have drained, which waits up to 30.4 s
        // (pkg/runtime/subscription drainMaxDuration).
        Assert.True(grace >= 31 + blockSeconds + gracefulSeconds + 5, $"{appId}: terminationGracePeriodSeconds {grace} is below drain (31) + block ({blockSeconds}) + graceful ({gracefulSeconds}) + margin.");
    }

    // dapr/dapr pkg/runtime/runtime.go appendBuiltinSecretStore: in Kubernetes mode daprd adds a
    // secretstores.kubernetes component, whose init needs the pod's service-account token; without
    // a token daprd exits (dapr/docs#5014).
    [Theory]
    [MemberData(nameof(AppIds))]
    public void A_pod_without_a_service_account_token_disables_daprds_builtin_kubernetes_secret_store(string appId)
    {
        var deployment = Deployment(appId);
        if (deployment.Document.Text("spec", "template", "spec", "automountServiceAccountToken") is "false" or "False")
        {
            Assert.Equal("true", Manifests.PodAnnotations(deployment).GetValueOrDefault("dapr.io/disable-builtin-k8s-secret-store"));
        }
        // No component may then reference the secret store it would have provided.
        Assert.DoesNotContain(Manifests.All, manifest => manifest.Kind == "Component"
            && (manifest.Document.At("auth", "secretStore") is not null || manifest.Document.Items("spec", "metadata").Any(item => item.At("secretKeyRef") is not null)));
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Every_deployment_probes_readiness_on_healthz_and_liveness_on_livez(string appId)
    {
        var container = Manifests.AppContainer(Deployment(appId));
        Assert.Equal("/healthz", container.Text("readinessProbe", "httpGet", "path"));
        Assert.Equal("/livez", container.Text("livenessProbe", "httpGet", "path"));
        Assert.Equal("/livez", container.Text("startupProbe", "httpGet", "path"));
        Assert.Equal("http", container.Text("readinessProbe", "httpGet", "port"));
        Assert.Equal("http", container.Text("livenessProbe", "httpGet", "port"));
    }

    [Fact]
    public void Every_container_has_resource_requests_and_limits()
    {
        var workloads = Manifests.OfKind("Deployment").Concat(Manifests.OfKind("StatefulSet")).ToList();
        Assert.NotEmpty(workloads);
        foreach (var workload in workloads)
        {
            foreach (var container in workload.Document.Items("spec", "template", "spec", "containers"))
            {
                foreach (var path in new[] { "requests", "limits" })
                {
                    Assert.False(string.IsNullOrEmpty(container.Text("resources", path, "cpu")), $"{workload}: {container.Text("name")} has no {path}.cpu");
                    Assert.False(string.IsNullOrEmpty(container.Text("resources", path, "memory")), $"{workload}: {container.Text("name")} has no {path}.memory");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Every_deployment_runs_non_root_with_a_read_only_root_filesystem(string appId)
    {
        var pod = Deployment(appId).Document.At("spec", "template", "spec");
        Assert.Equal("true", pod.Text("securityContext", "runAsNonRoot"), ignoreCase: true);
        Assert.Equal("1654", pod.Text("securityContext", "runAsUser"));
        Assert.Equal("RuntimeDefault", pod.Text("securityContext", "seccompProfile", "type"));
        Assert.Equal("false", pod.Text("automountServiceAccountToken"), ignoreCase: true);

        var container = Manifests.AppContainer(Deployment(appId));
        Assert.Equal("false", container.Text("securityContext", "allowPrivilegeEscalation"), ignoreCase: true);
        Assert.Equal("true", container.Text("securityContext", "readOnlyRootFilesystem"), ignoreCase: true);
        Assert.Equal(["ALL"], container.Strings("securityContext", "capabilities", "drop"));

        // A writable /tmp backed by an emptyDir, since the root filesystem is read-only.
        var tmp = Assert.Single(container.Items("volumeMounts"), mount => mount.Text("mountPath") == "/tmp");
        var volume = Assert.Single(pod.Items("volumes"), v => v.Text("name") == tmp.Text("name"));
        Assert.NotNull(volume.At("emptyDir"));
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Every_deployment_has_a_pod_disruption_budget(string appId)
    {
        var selector = Deployment(appId).Document.Map("spec", "selector", "matchLabels");
        var budget = Assert.Single(Manifests.OfKind("PodDisruptionBudget"), pdb =>
            pdb.Document.Map("spec", "selector", "matchLabels").All(label => selector.TryGetValue(label.Key, out var value) && Equals(value, label.Value)));
        Assert.True(budget.Document.At("spec", "maxUnavailable") is not null || budget.Document.At("spec", "minAvailable") is not null);
    }

    [Theory]
    [MemberData(nameof(AppIds))]
    public void Every_deployment_gets_the_app_token_from_the_secret_daprd_uses(string appId)
    {
        var deployment = Deployment(appId);
        var token = Assert.Single(Manifests.AppContainer(deployment).Items("env"), env => env.Text("name") == "APP_API_TOKEN");
        Assert.Equal(Manifests.PodAnnotations(deployment)["dapr.io/app-token-secret"], token.Text("valueFrom", "secretKeyRef", "name"));
        Assert.Equal("token", token.Text("valueFrom", "secretKeyRef", "key"));
    }

    [Fact]
    public void Jwt_authentication_is_on_for_the_ingress()
    {
        var environment = Manifests.Environment(Deployment(DaprNames.AppIds.Ingress));
        Assert.Equal("true", environment["Authentication__Enabled"]);
        Assert.StartsWith("https://", environment["Authentication__Authority"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(environment["Authentication__Audience"]));
    }

    [Fact]
    public void Redis_keeps_an_append_only_file_on_a_persistent_volume()
    {
        var redis = Manifests.Single("StatefulSet", "redis").Document;
        var container = Assert.Single(redis.Items("spec", "template", "spec", "containers"), c => c.Text("name") == "redis");
        Assert.Contains("--appendonly yes", string.Join(' ', container.Strings("args")), StringComparison.Ordinal);
        var data = Assert.Single(container.Items("volumeMounts"), mount => mount.Text("mountPath") == "/data");
        Assert.Contains(redis.Items("spec", "volumeClaimTemplates"), claim => claim.Text("metadata", "name") == data.Text("name"));

        var exporter = Assert.Single(redis.Items("spec", "template", "spec", "containers"), c => c.Text("name") == "redis-exporter");
        var streams = Assert.Single(exporter.Items("env"), env => env.Text("name") == "REDIS_EXPORTER_CHECK_STREAMS").Text("value");
        Assert.Contains(DaprNames.Topics.WeatherRequests, streams!.Split(','));
    }

    [Fact]
    public void Keda_scales_the_proxy_on_pending_entries_of_its_consumer_group()
    {
        var scaler = Manifests.Single("ScaledObject", DaprNames.AppIds.Proxy).Document;
        Assert.Equal(DaprNames.AppIds.Proxy, scaler.Text("spec", "scaleTargetRef", "name"));
        var trigger = Assert.Single(scaler.Items("spec", "triggers"));
        Assert.Equal("redis-streams", trigger.Text("type"));
        Assert.Equal(DaprNames.Topics.WeatherRequests, trigger.Text("metadata", "stream"));

        // pubsub.redis names the consumer group after consumerID, by default the app-id.
        var pubsub = Manifests.Single("Component", DaprNames.PubSub).Document;
        var metadata = DaprResources.Metadata(pubsub);
        Assert.Equal(metadata.GetValueOrDefault("consumerID", DaprNames.AppIds.Proxy), trigger.Text("metadata", "consumerGroup"));
        Assert.Equal(metadata["redisHost"], trigger.Text("metadata", "address"));
        Assert.True(int.Parse(trigger.Text("metadata", "pendingEntriesCount")!) > 0);
    }

    [Fact]
    public void Proxy_has_a_cpu_autoscaler_for_clusters_without_keda_and_the_ingress_scales_on_cpu()
    {
        var autoscalers = Manifests.OfKind("HorizontalPodAutoscaler").ToList();
        foreach (var target in new[] { DaprNames.AppIds.Ingress, DaprNames.AppIds.Proxy })
        {
            var hpa = Assert.Single(autoscalers, hpa => hpa.Document.Text("spec", "scaleTargetRef", "name") == target);
            Assert.Equal("cpu", hpa.Document.Text("spec", "metrics", 0, "resource", "name"));
        }
        // The proxy HPA lives only in the component used without KEDA: both at once would fight.
        var proxyHpa = Assert.Single(autoscalers, hpa => hpa.Document.Text("spec", "scaleTargetRef", "name") == DaprNames.AppIds.Proxy);
        Assert.Contains("hpa-proxy-scaler", proxyHpa.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_ingress_exposes_only_the_api_on_the_demo_host()
    {
        var ingress = Assert.Single(Manifests.OfKind("Ingress")).Document;
        var rule = Assert.Single(ingress.Items("spec", "rules"));
        Assert.Equal("redis-stream-demo.local", rule.Text("host"));
        var paths = rule.Items("http", "paths");
        Assert.All(paths, path => Assert.Equal(DaprNames.AppIds.Ingress, path.Text("backend", "service", "name")));
        Assert.DoesNotContain(paths, path => path.Text("path") is "/" or "/events" or "/metrics");
    }

    [Fact]
    public void Network_policies_deny_by_default_and_open_redis_only_to_dapr_pods()
    {
        var policies = Manifests.OfKind("NetworkPolicy").ToList();
        var denyAll = Assert.Single(policies, p => p.Name == "default-deny-all").Document;
        Assert.Empty(denyAll.Map("spec", "podSelector"));
        Assert.Equal(["Ingress", "Egress"], denyAll.Strings("spec", "policyTypes"));

        var redis = Assert.Single(policies, p => p.Document.Text("spec", "podSelector", "matchLabels", "app") == "redis").Document;
        var sources = redis.Items("spec", "ingress", 0, "from");
        Assert.Contains(sources, source => source.Text("podSelector", "matchLabels", "dapr.io/sidecar-injected") == "true");

        var fromController = Assert.Single(policies, p => p.Name == "ingress-from-ingress-controller").Document;
        Assert.Equal(DaprNames.AppPorts.Ingress.ToString(), fromController.Text("spec", "ingress", 0, "ports", 0, "port"));
        Assert.Contains(policies, p => p.Document.Items("spec", "egress").Any(rule => rule.Items("ports").Any(port => port.Text("port") == "53")));
        Assert.Contains(policies, p => p.Document.Items("spec", "egress").Any(rule => rule.Items("to").Any(to => to.Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "dapr-system")));
    }

    [Fact]
    public void Every_kustomization_lists_every_manifest_in_its_folder()
    {
        var kustomizations = Directory.EnumerateFiles(Repo.PathOf("k8s"), "kustomization.yaml", SearchOption.AllDirectories)
            .Append(Repo.PathOf("observability", "kustomization.yaml"))
            .ToList();
        foreach (var kustomization in kustomizations)
        {
            var folder = Path.GetDirectoryName(kustomization)!;
            var document = Yaml.Load(kustomization);
            var listed = document.Strings("resources").Concat(document.Strings("components")).ToList();

            foreach (var entry in listed)
            {
                var target = Path.GetFullPath(Path.Combine(folder, entry));
                Assert.True(File.Exists(target) || File.Exists(Path.Combine(target, "kustomization.yaml")), $"{kustomization}: {entry} does not exist.");
            }

            // Every manifest beside a kustomization (or in its k8s/ subfolder for observability) is applied.
            var manifests = Directory.EnumerateFiles(folder, "*.yaml")
                .Concat(Path.GetFileName(folder) == "observability" ? Directory.EnumerateFiles(Path.Combine(folder, "k8s"), "*.yaml") : [])
                .Where(file => Path.GetFileName(file) != "kustomization.yaml")
                .Select(file => Path.GetRelativePath(folder, file).Replace('\\', '/'));
            foreach (var manifest in manifests)
            {
                Assert.Contains(manifest, listed);
            }
        }

        // Every folder under k8s/ with manifests is reachable from one of the overlays.
        var reachable = new HashSet<string>(StringComparer.Ordinal);
        Visit(Repo.PathOf("k8s"), reachable);
        Visit(Repo.PathOf("k8s", "without-keda"), reachable);
        Visit(Repo.PathOf("k8s", "direct-mode"), reachable);
        foreach (var folder in kustomizations.Select(Path.GetDirectoryName))
        {
            Assert.Contains(Path.GetFullPath(folder!), reachable);
        }
    }

    [Fact]
    public void Generated_config_maps_take_the_files_the_compose_stack_mounts()
    {
        var kustomization = Yaml.Load(Repo.PathOf("observability", "kustomization.yaml"));
        var files = kustomization.Items("configMapGenerator").SelectMany(generator => generator.Strings("files"))
            .Select(file => file.Split('=').Last()).ToList();
        Assert.Contains("prometheus/prometheus.k8s.yml", files);
        Assert.Contains("prometheus/alerts.yml", files);
        foreach (var dashboard in Directory.EnumerateFiles(Repo.PathOf("observability", "grafana", "dashboards"), "*.json"))
        {
            Assert.Contains($"grafana/dashboards/{Path.GetFileName(dashboard)}", files);
        }
        Assert.All(files, file => Assert.True(File.Exists(Repo.PathOf("observability", file)), file));
    }

    [Fact]
    public void Tracing_endpoints_reach_the_in_cluster_zipkin_service()
    {
        var zipkin = Manifests.Single("Service", "zipkin");
        var port = zipkin.Document.Text("spec", "ports", 0, "port");
        var expected = $"http://zipkin.monitoring.svc.cluster.local:{port}/api/v2/spans";
        Assert.Equal(expected, Manifests.Single("Configuration", "appconfig").Document.Text("spec", "tracing", "zipkin", "endpointAddress"));
        Assert.Equal(expected, Manifests.Single("ConfigMap", "app-config").Document.Text("data", "Telemetry__ZipkinEndpoint"));
    }

    private static void Visit(string folder, HashSet<string> reachable)
    {
        if (!reachable.Add(Path.GetFullPath(folder)))
        {
            return;
        }
        var document = Yaml.Load(Path.Combine(folder, "kustomization.yaml"));
        foreach (var entry in document.Strings("resources").Concat(document.Strings("components")))
        {
            var target = Path.GetFullPath(Path.Combine(folder, entry));
            if (Directory.Exists(target))
            {
                Visit(target, reachable);
            }
        }
    }
}

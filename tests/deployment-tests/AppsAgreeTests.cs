using RedisStreamDemo.Contracts;

namespace Deployment.Tests;

// App-ids, ports and the proxy's concurrency agree with DaprNames in dapr.yaml, k8s/ and docker-compose.yml.
public sealed class AppsAgreeTests
{
    private static readonly object? DaprRun = Yaml.Load(Repo.PathOf("dapr.yaml"));
    private static readonly object? Compose = Yaml.Load(Repo.PathOf("docker-compose.yml"));

    private static readonly Dictionary<string, int> Ports = new()
    {
        [DaprNames.AppIds.Ingress] = DaprNames.AppPorts.Ingress,
        [DaprNames.AppIds.Proxy] = DaprNames.AppPorts.Proxy,
    };

    private static object? DaprRunApp(string appId) =>
        Assert.Single(DaprRun.Items("apps"), app => app.Text("appID") == appId);

    private static Manifest Deployment(string appId) =>
        Assert.Single(Manifests.Deployments, d => Manifests.PodAnnotations(d)["dapr.io/app-id"] == appId);

    // daprd's command line in docker-compose.yml as flag -> value ("--x=y" or "--x y").
    private static Dictionary<string, string> ComposeSidecarFlags(string appId)
    {
        var sidecar = Compose.At("services", $"{appId}-dapr");
        var flags = new Dictionary<string, string>();
        var args = sidecar.Strings("command");
        for (var i = 1; i < args.Count; i++)
        {
            var parts = args[i].Split('=', 2);
            flags[parts[0]] = parts.Length == 2 ? parts[1] : (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true");
        }
        return flags;
    }

    [Fact]
    public void Dapr_run_file_app_ids_and_ports_match_contracts()
    {
        Assert.Equal(Ports.Keys.Order(), DaprRun.Items("apps").Select(app => app.Text("appID")!).Order());
        foreach (var (appId, port) in Ports)
        {
            var app = DaprRunApp(appId);
            Assert.Equal(port.ToString(), app.Text("appPort"));
            Assert.Equal($"http://localhost:{port}", app.Text("env", "ASPNETCORE_URLS"));
            Assert.Equal("/livez", app.Text("appHealthCheckPath"));
        }
    }

    // Two `dotnet run` that build at once race on the shared projects' obj/ and bin/ folders.
    [Fact]
    public void Dapr_run_file_starts_the_apps_from_one_build()
    {
        foreach (var app in DaprRun.Items("apps"))
        {
            Assert.Equal(["dotnet", "run", "--no-build"], app.Strings("command"));
        }
        Assert.Contains("dotnet build RedisStreamDemo.sln && dapr run -f .", Repo.Read("README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_deployment_has_dapr_app_id_matching_contracts()
    {
        Assert.Equal(Ports.Keys.Order(), Manifests.Deployments.Select(d => Manifests.PodAnnotations(d)["dapr.io/app-id"]).Order());
        foreach (var (appId, port) in Ports)
        {
            var deployment = Deployment(appId);
            var annotations = Manifests.PodAnnotations(deployment);
            Assert.Equal(port.ToString(), annotations["dapr.io/app-port"]);
            Assert.Equal(port.ToString(), Manifests.AppContainer(deployment).Text("ports", 0, "containerPort"));
            Assert.Equal(port.ToString(), annotations["redis-stream-demo/metrics-port"]);
            Assert.Equal(port.ToString(), Manifests.Single("Service", appId).Document.Text("spec", "ports", 0, "port"));
        }
    }

    // Two deliveries per terminal: one on the terminal, one doing its reply-store and publish I/O.
    private static string TwiceTheTerminals(string? terminals) =>
        (2 * int.Parse(terminals ?? throw new InvalidOperationException("Terminals__Count is not set"), System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Proxy_app_max_concurrency_is_twice_the_terminals_in_dapr_run_file()
    {
        var proxy = DaprRunApp(DaprNames.AppIds.Proxy);
        Assert.Equal(TwiceTheTerminals(proxy.Text("env", "Terminals__Count")), proxy.Text("appMaxConcurrency"));
    }

    [Fact]
    public void Proxy_app_max_concurrency_is_twice_the_terminals_in_kubernetes()
    {
        var proxy = Deployment(DaprNames.AppIds.Proxy);
        Assert.Equal(TwiceTheTerminals(Manifests.Environment(proxy)["Terminals__Count"]), Manifests.PodAnnotations(proxy)["dapr.io/app-max-concurrency"]);
        // The ingress must not be throttled by a per-replica delivery cap.
        Assert.False(Manifests.PodAnnotations(Deployment(DaprNames.AppIds.Ingress)).ContainsKey("dapr.io/app-max-concurrency"));
    }

    [Fact]
    public void Proxy_app_max_concurrency_is_twice_the_terminals_in_compose()
    {
        var terminals = Compose.Text("services", DaprNames.AppIds.Proxy, "environment", "Terminals__Count");
        Assert.Equal(TwiceTheTerminals(terminals), ComposeSidecarFlags(DaprNames.AppIds.Proxy)["--app-max-concurrency"]);
    }

    [Fact]
    public void Compose_runs_each_app_with_its_own_sidecar_on_contract_ports()
    {
        foreach (var (appId, port) in Ports)
        {
            var app = Compose.At("services", appId);
            Assert.Contains($"{port}:{port}", Compose.At("services", $"{appId}-pod").Strings("ports"));
            Assert.Equal(port.ToString(), app.Text("environment", "ASPNETCORE_HTTP_PORTS"));
            Assert.Equal("services/Dockerfile", app.Text("build", "dockerfile"));
            Assert.Equal(appId, app.Text("build", "target"));
            Assert.Equal(".", app.Text("build", "context"));

            var flags = ComposeSidecarFlags(appId);
            Assert.Equal(appId, flags["--app-id"]);
            Assert.Equal(port.ToString(), flags["--app-port"]);
            Assert.Equal("placement:50005", flags["--placement-host-address"]);
            Assert.Equal("scheduler:50006", flags["--scheduler-host-address"]);
            Assert.Equal("/livez", flags["--app-health-check-path"]);
            Assert.Equal("9090", flags["--metrics-port"]);
        }
    }

    // docker/compose#6626: a container joined to another's network namespace keeps a dead namespace
    // when that container restarts. Each pair joins a namespace owner that never restarts instead.
    [Fact]
    public void Compose_pairs_share_the_namespace_of_an_owner_that_never_restarts()
    {
        var services = Compose.Map("services");
        foreach (var appId in Ports.Keys)
        {
            var owner = $"{appId}-pod";
            Assert.Equal($"service:{owner}", services[appId].Text("network_mode"));
            Assert.Equal($"service:{owner}", services[$"{appId}-dapr"].Text("network_mode"));
            Assert.StartsWith("registry.k8s.io/pause:", services[owner].Text("image"), StringComparison.Ordinal);
            Assert.Null(services[owner].At("command"));
        }
        // No service joins the namespace of a service that runs our code (and restarts with it).
        foreach (var (name, service) in services)
        {
            if (service.Text("network_mode") is { } mode && mode.StartsWith("service:", StringComparison.Ordinal))
            {
                Assert.True(services[mode["service:".Length..]].At("build") is null, $"{name} joins {mode}, which is rebuilt and restarted");
            }
        }
    }

    // daprd in self-hosted mode listens on every interface by default (cmd/daprd/options
    // --dapr-listen-addresses) and accepts any caller unless DAPR_API_TOKEN is set.
    [Fact]
    public void Compose_sidecars_listen_on_loopback_only_and_both_tokens_are_required()
    {
        foreach (var appId in Ports.Keys)
        {
            Assert.Equal("127.0.0.1", ComposeSidecarFlags(appId)["--dapr-listen-addresses"]);
            foreach (var service in new[] { appId, $"{appId}-dapr" })
            {
                foreach (var token in new[] { "APP_API_TOKEN", "DAPR_API_TOKEN" })
                {
                    Assert.StartsWith($"${{{token}:?", Compose.Text("services", service, "environment", token), StringComparison.Ordinal);
                }
            }
        }
        Assert.All(Compose.At("services", "redis").Strings("ports"), port => Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal));
    }

    // dapr/dapr pkg/runtime/runtime.go (Run): the block keeps daprd's API up while the app drains;
    // Compose kills a container 10 s after SIGTERM unless stop_grace_period says otherwise.
    [Fact]
    public void Compose_sidecars_keep_their_api_while_the_app_drains_and_are_not_killed_mid_shutdown()
    {
        foreach (var appId in Ports.Keys)
        {
            var flags = ComposeSidecarFlags(appId);
            var block = int.Parse(flags["--dapr-block-shutdown-duration"].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
            var graceful = int.Parse(flags["--dapr-graceful-shutdown-seconds"], System.Globalization.CultureInfo.InvariantCulture);
            var grace = int.Parse(Compose.Text("services", $"{appId}-dapr", "stop_grace_period")!.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);

            Assert.True(block >= 30, $"{appId}: the block ({block} s) is shorter than the app's 30 s drain");
            Assert.True(grace >= 31 + block + graceful + 5, $"{appId}-dapr: stop_grace_period {grace} s < subscription drain (31) + block {block} + graceful {graceful} + margin");
            Assert.Null(Compose.At("services", $"{appId}-dapr", "depends_on", appId));
        }
    }

    // The fault suite's rollout runs the sidecars with tests/stack's SidecarShutdown.Kubernetes: it
    // must be what the pods and compose really give daprd, or the scenario measures another shutdown.
    [Fact]
    public void The_launchers_kubernetes_shutdown_flags_are_the_pods_and_composes()
    {
        var source = Repo.Read("tests", "stack", "SidecarShutdown.cs");
        var launcher = System.Text.RegularExpressions.Regex.Match(source,
            @"Kubernetes \{ get; \} = new\(TimeSpan\.FromSeconds\((\d+)\), (\d+), TimeSpan\.FromSeconds\((\d+)\)\)");
        Assert.True(launcher.Success, "SidecarShutdown.Kubernetes not found in tests/stack/SidecarShutdown.cs");
        var (block, graceful, grace) = (launcher.Groups[1].Value, launcher.Groups[2].Value, launcher.Groups[3].Value);

        foreach (var appId in Ports.Keys)
        {
            var annotations = Manifests.PodAnnotations(Deployment(appId));
            var flags = ComposeSidecarFlags(appId);
            Assert.Equal(block + "s", annotations["dapr.io/block-shutdown-duration"]);
            Assert.Equal(graceful, annotations["dapr.io/graceful-shutdown-seconds"]);
            Assert.Equal(grace, Deployment(appId).Document.Text("spec", "template", "spec", "terminationGracePeriodSeconds"));
            Assert.Equal(block + "s", flags["--dapr-block-shutdown-duration"]);
            Assert.Equal(graceful, flags["--dapr-graceful-shutdown-seconds"]);
            Assert.Equal(grace + "s", Compose.Text("services", $"{appId}-dapr", "stop_grace_period"));
        }
    }

    [Fact]
    public void Compose_keeps_redis_data_in_an_append_only_file_on_a_volume()
    {
        var redis = Compose.At("services", "redis");
        var command = string.Join(' ', redis.Strings("command"));
        Assert.Contains("--appendonly yes", command, StringComparison.Ordinal);
        Assert.Contains(redis.Strings("volumes"), volume => volume.EndsWith(":/data", StringComparison.Ordinal));
        Assert.Contains("ping", redis.Strings("healthcheck", "test"));
        Assert.Contains(DaprNames.Topics.WeatherRequests, Compose.Text("services", "redis-exporter", "environment", "REDIS_EXPORTER_CHECK_STREAMS"), StringComparison.Ordinal);
    }

    [Fact]
    public void Sidecar_metrics_ports_of_the_dapr_run_file_are_scraped_by_the_local_prometheus()
    {
        var prometheus = Yaml.Load(Repo.PathOf("observability", "prometheus", "prometheus.local.yml"));
        var job = Assert.Single(prometheus.Items("scrape_configs"), config => config.Text("job_name") == "dapr-sidecars");
        var targets = job.Items("static_configs").SelectMany(config => config.Strings("targets")).ToList();
        var apps = Assert.Single(prometheus.Items("scrape_configs"), config => config.Text("job_name") == "apps")
            .Items("static_configs").SelectMany(config => config.Strings("targets")).ToList();

        foreach (var (appId, port) in Ports)
        {
            Assert.Contains($"localhost:{DaprRunApp(appId).Text("metricsPort")}", targets);
            Assert.Contains($"localhost:{port}", apps);
        }
    }
}

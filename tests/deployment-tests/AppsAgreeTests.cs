using Deployment.Tests.Support;
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
        var sidecar = Compose.Map("services").Single(service => service.Value.Text("network_mode") == $"service:{appId}").Value;
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
            Assert.Contains($"{port}:{port}", app.Strings("ports"));
            Assert.Equal(port.ToString(), app.Text("environment", "ASPNETCORE_HTTP_PORTS"));
            Assert.Equal($"services/{appId}/Dockerfile", app.Text("build", "dockerfile"));
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

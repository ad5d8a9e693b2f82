using System.Diagnostics;
using System.Text.Json;
using TestSupport;
using YamlDotNet.Serialization;

namespace Deployment.Tests;

public sealed class ObservabilityTests
{
    private static readonly string PrometheusFolder = Repo.PathOf("observability", "prometheus");
    private static readonly string DashboardsFolder = Repo.PathOf("observability", "grafana", "dashboards");

    public static TheoryData<string> PrometheusConfigs() => new(["prometheus.local.yml", "prometheus.compose.yml", "prometheus.k8s.yml"]);

    public static TheoryData<string> Dashboards() =>
        new(Directory.EnumerateFiles(DashboardsFolder, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>());

    private static IEnumerable<(string Where, string Expression)> AlertExpressions() =>
        Yaml.Load(Path.Combine(PrometheusFolder, "alerts.yml")).Items("groups")
            .SelectMany(group => group.Items("rules"))
            .Select(rule => ($"alert {rule.Text("alert")}", rule.Text("expr")!));

    private static IEnumerable<(string Where, string Expression)> DashboardExpressions(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(DashboardsFolder, file)));
        return [.. json.RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.TryGetProperty("targets", out _))
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
                .Select(target => ($"{file} panel '{panel.GetProperty("title").GetString()}'", target.GetProperty("expr").GetString()!)))];
    }

    [Fact]
    public void Alert_rules_pass_promtool()
    {
        var promtool = Promtool();
        var (exitCode, output) = Run(promtool, "check", "rules", Path.Combine(PrometheusFolder, "alerts.yml"));
        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [MemberData(nameof(PrometheusConfigs))]
    public void Prometheus_config_passes_promtool(string file)
    {
        var promtool = Promtool();
        var path = Path.Combine(PrometheusFolder, file);
        var (exitCode, output) = Run(promtool, "check", "config", path);
        if (exitCode != 0 && output.Contains("field kubernetes_sd_configs not found", StringComparison.Ordinal))
        {
            // Debian's and Ubuntu's prometheus packages are built without Kubernetes service
            // discovery. Check the Kubernetes-specific part here, and everything else (relabelling,
            // rule files) with promtool on a copy that discovers a static target instead.
            (exitCode, output) = Run(promtool, "check", "config", WithStaticTargetsInsteadOfKubernetesDiscovery(path));
        }
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Every_job_uses_the_same_names_so_rules_and_dashboards_work_everywhere()
    {
        foreach (var file in PrometheusConfigs())
        {
            var config = Yaml.Load(Path.Combine(PrometheusFolder, file));
            Assert.Equal(["apps", "dapr-sidecars", "redis-exporter"], config.Items("scrape_configs").Select(job => job.Text("job_name")!).Order());
            Assert.Equal(["alerts.yml"], config.Strings("rule_files"));
        }
        var k8s = Yaml.Load(Path.Combine(PrometheusFolder, "prometheus.k8s.yml"));
        Assert.All(k8s.Items("scrape_configs"), job =>
        {
            Assert.Equal("pod", job.Text("kubernetes_sd_configs", 0, "role"));
            Assert.Equal(["redis-stream-demo"], job.Strings("kubernetes_sd_configs", 0, "namespaces", "names"));
        });
    }

    [Fact]
    public void Alert_rules_reference_only_known_metrics() => AssertKnown(AlertExpressions());

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_panels_reference_only_known_metrics(string file) => AssertKnown(DashboardExpressions(file));

    [Fact]
    public void Alerts_cover_errors_latency_backlog_circuit_breaker_and_a_stopped_proxy()
    {
        var used = AlertExpressions().SelectMany(alert => PromQl.MetricNames(alert.Expression)).ToHashSet();
        Assert.Contains("ingress_reply_duration_seconds_bucket", used);
        Assert.Contains("http_server_request_duration_seconds_count", used);
        Assert.Contains("redis_stream_group_messages_pending", used);
        Assert.Contains("dapr_resiliency_cb_state", used);
        Assert.Contains("dapr_component_pubsub_ingress_count", used);
    }

    [Fact]
    public void System_dashboard_shows_every_app_metric()
    {
        var used = DashboardExpressions("system.json").SelectMany(panel => PromQl.MetricNames(panel.Expression)).ToHashSet();
        var unused = KnownMetrics.App.Where(name => !used.Contains(name) && !name.StartsWith("http_server", StringComparison.Ordinal) && !name.EndsWith("_sum", StringComparison.Ordinal));
        Assert.Empty(unused.Except(["ingress_reply_duration_seconds_count"]));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboards_are_provisionable_and_use_the_provisioned_datasource(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(DashboardsFolder, file)));
        var root = json.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("uid").GetString()));
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "Provisioned dashboards must not carry a database id.");

        var datasources = Yaml.Load(Repo.PathOf("observability", "grafana", "provisioning", "datasources", "datasources.yml"));
        var prometheusUid = Assert.Single(datasources.Items("datasources"), ds => ds.Text("type") == "prometheus").Text("uid");
        var panelIds = new HashSet<int>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            Assert.True(panelIds.Add(panel.GetProperty("id").GetInt32()), $"{file}: duplicate panel id.");
            if (panel.GetProperty("type").GetString() != "row")
            {
                Assert.Equal(prometheusUid, panel.GetProperty("datasource").GetProperty("uid").GetString());
                var grid = panel.GetProperty("gridPos");
                Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
            }
        }

        var providers = Yaml.Load(Repo.PathOf("observability", "grafana", "provisioning", "dashboards", "dashboards.yml"));
        Assert.Equal("/var/lib/grafana/dashboards", providers.Text("providers", 0, "options", "path"));
    }

    private static void AssertKnown(IEnumerable<(string Where, string Expression)> expressions)
    {
        var known = KnownMetrics.All.ToHashSet(StringComparer.Ordinal);
        var unknown = expressions
            .SelectMany(item => PromQl.MetricNames(item.Expression).Where(name => !known.Contains(name)).Select(name => $"{item.Where}: {name}"))
            .ToList();
        Assert.Empty(unknown);
    }

    private static string WithStaticTargetsInsteadOfKubernetesDiscovery(string path)
    {
        var folder = Directory.CreateTempSubdirectory("promtool-").FullName;
        var config = Yaml.Load(path);
        foreach (var job in config.Items("scrape_configs").Cast<IDictionary<object, object?>>())
        {
            if (job.Remove("kubernetes_sd_configs"))
            {
                job["static_configs"] = new List<object?> { new Dictionary<object, object?> { ["targets"] = new List<object?> { "discovered-pod:9090" } } };
            }
        }
        var copy = Path.Combine(folder, Path.GetFileName(path));
        File.WriteAllText(copy, new SerializerBuilder().Build().Serialize(config));
        foreach (var rules in config.Strings("rule_files"))
        {
            File.Copy(Path.Combine(Path.GetDirectoryName(path)!, rules), Path.Combine(folder, rules));
        }
        return copy;
    }

    private static string Promtool()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "promtool"))
            .FirstOrDefault(File.Exists);
        if (found is null)
        {
            Requirements.Unavailable("promtool is not installed (apt-get install -y prometheus; .ci/run installs it).");
        }
        return found!;
    }

    private static (int ExitCode, string Output) Run(string executable, params string[] arguments)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish within 60 s.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Launcher.Tests;

public sealed class StackFileTests
{
    private static readonly StackFile RunFile = StackFile.Load(RepositoryRoot.Combine("dapr.yaml"));

    [Fact]
    public void The_run_file_lists_both_apps_with_the_ports_in_the_contracts()
    {
        var ingress = RunFile.App(DaprNames.AppIds.Ingress);
        var proxy = RunFile.App(DaprNames.AppIds.Proxy);

        Assert.Equal(DaprNames.AppPorts.Ingress, ingress.AppPort);
        Assert.Equal(DaprNames.AppPorts.Proxy, proxy.AppPort);
        Assert.Equal(2, RunFile.Apps.Count);
        Assert.All(RunFile.Apps, app => Assert.True(Directory.Exists(app.AppDirPath), app.AppDirPath));
    }

    [Fact]
    public void The_run_file_gives_every_app_distinct_sidecar_ports()
    {
        var ports = RunFile.Apps.SelectMany(a => new[] { a.AppPort, a.DaprHttpPort, a.DaprGrpcPort }).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void The_run_file_common_section_resolves_resources_and_config_relative_to_the_file()
    {
        Assert.Equal([ResourcesFolder.ComponentsDirectory], RunFile.ResourcesPaths);
        Assert.Equal(Path.Combine(ResourcesFolder.ComponentsDirectory, "config.yaml"), RunFile.ConfigFilePath);
        Assert.True(File.Exists(RunFile.ConfigFilePath));
        Assert.Equal("Development", RunFile.Env["ASPNETCORE_ENVIRONMENT"]);
    }

    [Fact]
    public void The_proxy_reads_its_concurrency_health_path_and_env()
    {
        var proxy = RunFile.App(DaprNames.AppIds.Proxy);

        Assert.Equal(8, proxy.AppMaxConcurrency);
        Assert.Equal("/livez", proxy.AppHealthCheckPath);
        Assert.Equal("4", proxy.Env["Terminals__Count"]);
        Assert.Null(RunFile.App(DaprNames.AppIds.Ingress).AppMaxConcurrency);
    }

    [Fact]
    public void An_app_without_ports_is_rejected_with_its_name()
    {
        const string yaml = """
            version: 1
            apps:
              - appID: lonely
                appDirPath: ./lonely
            """;

        var error = Assert.Throws<FormatException>(() => StackFile.Parse(yaml, "/tmp"));

        Assert.Contains("lonely", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_are_ignored_and_paths_resolve_against_the_given_folder()
    {
        const string yaml = """
            version: 1
            common:
              resourcesPaths: [./res]
              somethingNew: true
            apps:
              - appID: a
                appDirPath: ./a
                appPort: 1
                daprHTTPPort: 2
                daprGRPCPort: 3
                metricsPort: 4
                command: ["dotnet", "run"]
            """;

        var file = StackFile.Parse(yaml, "/srv/demo");

        Assert.Equal(["/srv/demo/res"], file.ResourcesPaths);
        Assert.Equal("/srv/demo/a", file.App("a").AppDirPath);
        Assert.Equal(4, file.App("a").MetricsPort);
        Assert.Null(file.ConfigFilePath);
    }

    /// <summary>dapr/cli pkg/standalone/run.go getArgsFromSchema and pkg/runfileconfig mergeCommonAndAppsSharedRunConfig.</summary>
    [Fact]
    public void Health_check_settings_become_the_daprd_flags_the_Dapr_CLI_derives()
    {
        const string yaml = """
            version: 1
            common:
              appHealthProbeInterval: 2
              appHealthThreshold: 4
            apps:
              - appID: a
                appDirPath: ./a
                appPort: 1
                daprHTTPPort: 2
                daprGRPCPort: 3
                enableAppHealthCheck: true
                appHealthCheckPath: /livez
                appHealthThreshold: 5
              - appID: b
                appDirPath: ./b
                appPort: 4
                daprHTTPPort: 5
                daprGRPCPort: 6
                appHealthCheckPath: /ready
            """;

        var file = StackFile.Parse(yaml, "/srv/demo");

        Assert.Equal(["--enable-app-health-check", "--app-health-check-path", "/livez", "--app-health-probe-interval", "2", "--app-health-threshold", "5"],
            file.App("a").HealthCheck.DaprdArguments());
        // The path is passed even with the check off; daprd then never probes.
        Assert.Equal(["--app-health-check-path", "/ready", "--app-health-probe-interval", "2", "--app-health-threshold", "4"],
            file.App("b").HealthCheck.DaprdArguments());
    }

    [Fact]
    public void Both_apps_of_the_run_file_get_the_health_check_on_livez()
    {
        Assert.All(RunFile.Apps, app => Assert.Equal(["--enable-app-health-check", "--app-health-check-path", "/livez"], app.HealthCheck.DaprdArguments()));
    }
}

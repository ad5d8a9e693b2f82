using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace RedisStreamDemo.Stack;

/// <summary>What the launcher needs from a Dapr multi-app run file (dapr.yaml).</summary>
public sealed record StackFile(
    string Directory,
    IReadOnlyList<string> ResourcesPaths,
    string? ConfigFilePath,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<StackApp> Apps)
{
    public StackApp App(string appId) =>
        Apps.FirstOrDefault(app => app.AppId == appId)
        ?? throw new ArgumentException($"No app '{appId}' in the run file (apps: {string.Join(", ", Apps.Select(a => a.AppId))}).", nameof(appId));

    public static StackFile Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        using var reader = new StreamReader(fullPath);
        return Parse(reader.ReadToEnd(), Path.GetDirectoryName(fullPath) ?? ".");
    }

    // Relative paths in the file are relative to the file's folder, as `dapr run -f` reads them.
    public static StackFile Parse(string yaml, string directory)
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .IgnoreUnmatchedProperties()
            .Build();
        var file = deserializer.Deserialize<RunFile?>(yaml) ?? throw new FormatException("The run file is empty.");
        if (file.Version != 1)
        {
            throw new FormatException($"Run file version {file.Version} is not supported (expected 1).");
        }

        string Resolve(string relative) => Path.GetFullPath(Path.Combine(directory, relative));
        var common = file.Common ?? new CommonSection();
        var apps = new List<StackApp>();
        foreach (var app in file.Apps)
        {
            if (string.IsNullOrWhiteSpace(app.AppId) || string.IsNullOrWhiteSpace(app.AppDirPath))
            {
                throw new FormatException("Every app needs appID and appDirPath.");
            }
            if (app.AppPort is not { } appPort || app.DaprHttpPort is not { } httpPort || app.DaprGrpcPort is not { } grpcPort)
            {
                throw new FormatException($"App '{app.AppId}' needs appPort, daprHTTPPort and daprGRPCPort (the launcher uses fixed ports from the file).");
            }
            apps.Add(new StackApp(
                app.AppId,
                Resolve(app.AppDirPath),
                appPort,
                httpPort,
                grpcPort,
                app.AppMaxConcurrency,
                // dapr/cli runfileconfig mergeCommonAndAppsSharedRunConfig: a shared setting the app leaves at its zero value comes from common.
                new AppHealthCheck(
                    app.EnableAppHealthCheck is true || common.EnableAppHealthCheck is true,
                    string.IsNullOrEmpty(app.AppHealthCheckPath) ? common.AppHealthCheckPath : app.AppHealthCheckPath,
                    app.AppHealthProbeInterval is null or 0 ? common.AppHealthProbeInterval ?? 0 : app.AppHealthProbeInterval.Value,
                    app.AppHealthProbeTimeout is null or 0 ? common.AppHealthProbeTimeout ?? 0 : app.AppHealthProbeTimeout.Value,
                    app.AppHealthThreshold is null or 0 ? common.AppHealthThreshold ?? 0 : app.AppHealthThreshold.Value),
                app.Env ?? [])
            {
                MetricsPort = app.MetricsPort,
            });
        }
        if (apps.Select(a => a.AppId).Distinct(StringComparer.Ordinal).Count() != apps.Count)
        {
            throw new FormatException("App ids in the run file must be unique.");
        }

        return new StackFile(
            directory,
            (common.ResourcesPaths ?? []).Select(Resolve).ToList(),
            common.ConfigFilePath is { Length: > 0 } config ? Resolve(config) : null,
            common.Env ?? [],
            apps);
    }

    private sealed class RunFile
    {
        public int Version { get; set; }
        public CommonSection? Common { get; set; }
        public List<AppSection> Apps { get; set; } = [];
    }

    private class HealthCheckSettings
    {
        public bool? EnableAppHealthCheck { get; set; }
        public string? AppHealthCheckPath { get; set; }
        public int? AppHealthProbeInterval { get; set; }
        public int? AppHealthProbeTimeout { get; set; }
        public int? AppHealthThreshold { get; set; }
    }

    private sealed class CommonSection : HealthCheckSettings
    {
        public List<string>? ResourcesPaths { get; set; }
        public string? ConfigFilePath { get; set; }
        public Dictionary<string, string>? Env { get; set; }
    }

    private sealed class AppSection : HealthCheckSettings
    {
        [YamlMember(Alias = "appID")]
        public string? AppId { get; set; }
        public string? AppDirPath { get; set; }
        public int? AppPort { get; set; }
        [YamlMember(Alias = "daprHTTPPort")]
        public int? DaprHttpPort { get; set; }
        [YamlMember(Alias = "daprGRPCPort")]
        public int? DaprGrpcPort { get; set; }
        public int? AppMaxConcurrency { get; set; }
        public int? MetricsPort { get; set; }
        public Dictionary<string, string>? Env { get; set; }
    }
}

public sealed record StackApp(
    string AppId,
    string AppDirPath,
    int AppPort,
    int DaprHttpPort,
    int DaprGrpcPort,
    int? AppMaxConcurrency,
    AppHealthCheck HealthCheck,
    IReadOnlyDictionary<string, string> Env)
{
    public string? AppHealthCheckPath => HealthCheck.Path;

    /// <summary>The sidecar's metrics port (metricsPort); the launcher picks a free one when the file has none.</summary>
    public int? MetricsPort { get; init; }
}

using System.Reflection;
using TestSupport;

namespace RedisStreamDemo.Stack;

public sealed class StackOptions
{
    /// <summary>The run file to read; by default the repository's dapr.yaml.</summary>
    public string RunFile { get; init; } = RepositoryRoot.Combine("dapr.yaml");

    /// <summary>The ports from the run file (the program) or free ports (tests, several stacks at once).</summary>
    public bool UseFixedPorts { get; init; }

    /// <summary>An existing Redis (host:port); null starts a private redis-server with appendonly yes.</summary>
    public string? RedisEndpoint { get; init; }

    /// <summary>Restart an app or sidecar that dies without being asked to, with exponential backoff.</summary>
    public bool RestartDeadProcesses { get; init; } = true;

    /// <summary>Environment for every app, applied after the run file's; a null value removes a variable.</summary>
    public Dictionary<string, string?> Environment { get; init; } = [];

    /// <summary>Environment per app id, applied last.</summary>
    public Dictionary<string, Dictionary<string, string?>> AppEnvironment { get; init; } = [];

    /// <summary>
    /// Telemetry__ZipkinEndpoint for the apps: empty (the default) turns their exporter off, so test
    /// logs are not filled with refused connections; null leaves the apps' default
    /// (http://localhost:9411/api/v2/spans, where `dapr init` runs Zipkin).
    /// </summary>
    public string? ZipkinEndpoint { get; init; } = "";

    /// <summary>Receives every child's output line prefixed with its name; null keeps lines in memory only.</summary>
    public Action<string>? Output { get; init; }

    /// <summary>Receives the launcher's own messages (starts, restarts, stops); null keeps them in memory only.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Lines of output kept per process for diagnostics.</summary>
    public int KeptLines { get; init; } = 400;

    /// <summary>Host in the apps' ASPNETCORE_URLS (the program uses localhost, as dapr.yaml does).</summary>
    public string AppHost { get; init; } = "127.0.0.1";

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a process gets after SIGTERM before SIGKILL.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The build whose outputs are started; by default the configuration this launcher was built with.</summary>
    public string Configuration { get; init; } = BuildMetadata("Configuration") ?? "Debug";

    public string TargetFramework { get; init; } = BuildMetadata("TargetFramework") ?? "net10.0";

    /// <summary>
    /// A real daprd (e.g. ~/.dapr/bin/daprd after `dapr init`) instead of the test sidecar: started
    /// with the same flags plus <see cref="SidecarArguments"/> (placement and scheduler addresses).
    /// By default what RSD_SIDECAR selects (<see cref="SidecarUnderTest"/>).
    /// </summary>
    public string? DaprdPath { get; init; } = SidecarUnderTest.Current.IsDaprd ? SidecarUnderTest.Current.DaprdPath : null;

    public IReadOnlyList<string> SidecarArguments { get; init; } = SidecarUnderTest.Current.ExtraArguments;

    /// <summary>daprd's shutdown flags; by default what the run file gives (none): see <see cref="SidecarShutdown"/>.</summary>
    public SidecarShutdown SidecarShutdown { get; init; } = SidecarShutdown.RunFile;

    /// <summary>
    /// Sidecars started by someone else (daprd containers, say), per app id: the app's first instance
    /// listens on the given app port and talks to the given Dapr ports; no sidecar process is started
    /// for it, so the Stop/StartSidecar methods do not apply to it.
    /// </summary>
    public Dictionary<string, ExternalSidecar> ExternalSidecars { get; init; } = [];

    public string SidecarProjectDirectory { get; init; } = RepositoryRoot.Combine("tests", "sidecar");

    private static string? BuildMetadata(string key) =>
        typeof(StackOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
}

/// <summary>A sidecar this launcher does not start: the app port it calls and its ports as seen from this host.</summary>
public sealed record ExternalSidecar(int AppPort, int DaprHttpPort, int DaprGrpcPort);

using System.Globalization;
using TestSidecar.Resources;

namespace TestSidecar.Hosting;

/// <summary>
/// daprd's command line and environment, as far as this sidecar honours them. Flags use daprd's
/// names and Go's flag syntax (<c>--name value</c>, <c>--name=value</c>, one or two dashes).
/// </summary>
internal sealed record SidecarOptions
{
    public required string AppId { get; init; }
    public int? AppPort { get; init; }
    public int HttpPort { get; init; } = 3500;
    public int GrpcPort { get; init; } = 50001;
    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];
    public string? ConfigPath { get; init; }

    /// <summary>-1 = unlimited, as daprd.</summary>
    public int AppMaxConcurrency { get; init; } = -1;

    /// <summary>
    /// --dapr-graceful-shutdown-seconds: the bound on daprd's closers (components, HTTP server) once its
    /// runners have stopped; null = no bound (0 given), as daprd's infinite grace period. A negative
    /// value means the default 5 s (pkg/runtime/config.go).
    /// </summary>
    public TimeSpan? GracefulShutdown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>--dapr-block-shutdown-duration, a Go duration; null when the flag is not given (daprd: fs.Changed).</summary>
    public TimeSpan? BlockShutdown { get; init; }
    public string? AppApiToken { get; init; }
    public string? DaprApiToken { get; init; }
    public string PodName { get; init; } = "";
    public string Namespace { get; init; } = "";

    /// <summary>daprd's metrics server port (pkg/metrics/options.go defaultMetricsPort).</summary>
    public int MetricsPort { get; init; } = 9090;

    /// <summary>--enable-metrics (default true): false leaves the metrics port closed.</summary>
    public bool EnableMetrics { get; init; } = true;

    /// <summary>How long to wait for the app port before giving up on subscriptions (daprd waits indefinitely).</summary>
    public TimeSpan AppStartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>--enable-app-health-check and its settings; null when the check is off.</summary>
    public AppHealthCheckOptions? AppHealthCheck { get; init; }

    /// <summary>--log-level (dapr/kit logger: debug, info, warn, error, fatal), for the sidecar's own categories.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    private static readonly HashSet<string> IgnoredValueFlags = new(StringComparer.Ordinal)
    {
        "app-protocol", "metrics-listen-address", "placement-host-address", "scheduler-host-address",
        "dapr-internal-grpc-port", "dapr-listen-addresses", "profile-port", "dapr-http-max-request-size",
        "dapr-http-read-buffer-size", "mode", "control-plane-address",
        "sentry-address", "app-channel-address", "dapr-public-port", "dapr-public-listen-address",
    };

    private static readonly HashSet<string> IgnoredBoolFlags = new(StringComparer.Ordinal)
    {
        "log-as-json", "enable-profiling", "enable-mtls", "enable-api-logging",
    };

    public static SidecarOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        string? appId = null;
        int? appPort = null;
        int httpPort = 3500, grpcPort = 50001, maxConcurrency = -1, graceSeconds = 5, appStartSeconds = 120, metricsPort = 9090;
        var enableMetrics = true;
        string? config = null;
        var logLevel = LogLevel.Information;
        TimeSpan? blockShutdown = null;
        var resources = new List<string>();
        var healthCheck = false;
        var healthPath = "/healthz";
        int probeIntervalSeconds = 0, probeTimeoutMilliseconds = 0, threshold = 0;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
            var name = arg.TrimStart('-');
            string? inline = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            if (name == "enable-metrics")
            {
                var flag = inline ?? (i + 1 < args.Count && args[i + 1] is "true" or "false" ? args[++i] : "true");
                enableMetrics = ParseBool(name, flag);
                continue;
            }
            if (name == "enable-app-health-check")
            {
                healthCheck = inline is null || ParseBool(name, inline);
                if (inline is null && i + 1 < args.Count && args[i + 1] is "true" or "false")
                {
                    healthCheck = args[++i] == "true";
                }
                continue;
            }
            if (IgnoredBoolFlags.Contains(name))
            {
                // Go bool flags never take the next token, but tolerate an explicit true/false there.
                if (inline is null && i + 1 < args.Count && args[i + 1] is "true" or "false")
                {
                    i++;
                }
                continue;
            }

            var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new ArgumentException($"flag needs an argument: -{name}"));
            switch (name)
            {
                case "app-id": appId = value; break;
                case "app-port": appPort = ParseInt(name, value); break;
                case "dapr-http-port": httpPort = ParseInt(name, value); break;
                case "dapr-grpc-port": grpcPort = ParseInt(name, value); break;
                case "resources-path":
                case "components-path": resources.Add(value); break;
                case "config": config = value; break;
                case "log-level":
                    logLevel = value switch
                    {
                        "debug" => LogLevel.Debug,
                        "info" => LogLevel.Information,
                        "warn" => LogLevel.Warning,
                        "error" => LogLevel.Error,
                        "fatal" => LogLevel.Critical,
                        _ => throw new ArgumentException($"undefined Log Output Level: {value}"),
                    };
                    break;
                case "app-max-concurrency": maxConcurrency = ParseInt(name, value); break;
                case "dapr-graceful-shutdown-seconds": graceSeconds = ParseInt(name, value); break;
                case "dapr-block-shutdown-duration":
                    blockShutdown = GoDuration.TryParse(value, out var block)
                        ? block
                        : throw new ArgumentException($"invalid value \"{value}\" for flag -{name}: parse error");
                    break;
                case "app-start-timeout-seconds": appStartSeconds = ParseInt(name, value); break;
                case "metrics-port": metricsPort = ParseInt(name, value); break;
                case "app-health-check-path": healthPath = value; break;
                case "app-health-probe-interval": probeIntervalSeconds = ParseInt(name, value); break;
                case "app-health-probe-timeout": probeTimeoutMilliseconds = ParseInt(name, value); break;
                case "app-health-threshold": threshold = ParseInt(name, value); break;
                case "app-protocol" when value is not "http":
                    throw new ArgumentException($"--app-protocol {value} is not supported by the test sidecar (http only)");
                default:
                    if (!IgnoredValueFlags.Contains(name))
                    {
                        throw new ArgumentException($"flag provided but not defined: -{name}");
                    }
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(appId))
        {
            throw new ArgumentException("--app-id is required");
        }

        // dapr/dapr pkg/runtime/config.go: the probe settings are checked whether the check is on or not.
        var probeInterval = probeIntervalSeconds <= 0 ? AppHealthCheckOptions.DefaultProbeInterval : TimeSpan.FromSeconds(probeIntervalSeconds);
        var probeTimeout = probeTimeoutMilliseconds <= 0 ? AppHealthCheckOptions.DefaultProbeTimeout : TimeSpan.FromMilliseconds(probeTimeoutMilliseconds);
        if (probeTimeout > probeInterval)
        {
            throw new ArgumentException("value for 'health-probe-timeout' must be smaller than 'health-probe-interval'");
        }

        return new SidecarOptions
        {
            AppId = appId,
            AppPort = appPort is > 0 ? appPort : null,
            HttpPort = httpPort,
            GrpcPort = grpcPort,
            ResourcesPaths = resources,
            ConfigPath = config,
            LogLevel = logLevel,
            AppMaxConcurrency = maxConcurrency <= 0 ? -1 : maxConcurrency,
            GracefulShutdown = graceSeconds switch
            {
                < 0 => TimeSpan.FromSeconds(5),
                0 => null,
                _ => TimeSpan.FromSeconds(graceSeconds),
            },
            BlockShutdown = blockShutdown,
            AppStartTimeout = TimeSpan.FromSeconds(Math.Max(1, appStartSeconds)),
            MetricsPort = metricsPort,
            EnableMetrics = enableMetrics,
            AppApiToken = NullIfEmpty(environment("APP_API_TOKEN")),
            DaprApiToken = NullIfEmpty(environment("DAPR_API_TOKEN")),
            PodName = environment("POD_NAME") ?? "",
            Namespace = environment("NAMESPACE") ?? "",
            AppHealthCheck = healthCheck
                ? new AppHealthCheckOptions(
                    "/" + (healthPath.StartsWith('/') ? healthPath[1..] : healthPath),
                    probeInterval,
                    probeTimeout,
                    threshold < 1 ? AppHealthCheckOptions.DefaultThreshold : threshold)
                : null,
        };
    }

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"invalid value \"{value}\" for flag -{name}");

    // Go's strconv.ParseBool, which the flag package uses for bool flags.
    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new ArgumentException($"invalid boolean value \"{value}\" for -{name}"),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

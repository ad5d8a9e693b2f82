using Microsoft.Extensions.Logging;
using TestSidecar.Hosting;
using TestSidecar.PubSub;
using TestSidecar.Resources;

namespace Sidecar.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void Daprd_flags_are_read_in_both_go_syntaxes_and_known_flags_are_ignored()
    {
        var env = new Dictionary<string, string> { ["APP_API_TOKEN"] = "a", ["DAPR_API_TOKEN"] = "d", ["POD_NAME"] = "p-1" };

        var options = SidecarOptions.Parse(
            ["--app-id", "proxy", "--app-port=5010", "-dapr-http-port", "3510", "--dapr-grpc-port", "50010", "--resources-path", "a", "--resources-path", "b",
             "--config", "c.yaml", "--app-max-concurrency", "4", "--app-protocol", "http", "--metrics-port", "9098", "--log-level", "debug",
             "--enable-app-health-check", "--app-health-check-path", "/livez"],
            env.GetValueOrDefault);

        Assert.Equal(("proxy", 5010, 3510, 50010, 4), (options.AppId, options.AppPort, options.HttpPort, options.GrpcPort, options.AppMaxConcurrency));
        Assert.Equal(["a", "b"], options.ResourcesPaths);
        Assert.Equal(("a", "d", "p-1"), (options.AppApiToken, options.DaprApiToken, options.PodName));
        Assert.Equal((9098, true), (options.MetricsPort, options.EnableMetrics));
        Assert.Equal(LogLevel.Debug, options.LogLevel);
    }

    /// <summary>dapr/kit logger: --log-level is one of debug, info (the default), warn, error, fatal; anything else stops daprd.</summary>
    [Fact]
    public void Log_level_takes_daprds_names()
    {
        static LogLevel Level(params string[] flags) => SidecarOptions.Parse(["--app-id", "x", .. flags], _ => null).LogLevel;

        Assert.Equal(LogLevel.Information, Level());
        Assert.Equal(LogLevel.Warning, Level("--log-level", "warn"));
        Assert.Equal(LogLevel.Critical, Level("--log-level=fatal"));
        Assert.Throws<ArgumentException>(() => Level("--log-level", "verbose"));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/metrics/options.go: --metrics-port defaults to 9090 and --enable-metrics to
    /// true; a Go bool flag takes its value only after '=' (strconv.ParseBool's spellings).
    /// </summary>
    [Fact]
    public void Metrics_flags_default_to_port_9090_enabled_and_read_go_bools()
    {
        var defaults = SidecarOptions.Parse(["--app-id", "x"], _ => null);
        var off = SidecarOptions.Parse(["--app-id", "x", "--enable-metrics=F", "--metrics-port=9191"], _ => null);

        Assert.Equal((9090, true), (defaults.MetricsPort, defaults.EnableMetrics));
        Assert.Equal((9191, false), (off.MetricsPort, off.EnableMetrics));
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["--app-id", "x", "--enable-metrics=nope"], _ => null));
    }

    [Fact]
    public void Unknown_flags_and_a_missing_app_id_are_rejected_like_daprd()
    {
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["--app-id", "x", "--no-such-flag", "1"], _ => null));
        Assert.Throws<ArgumentException>(() => SidecarOptions.Parse(["--app-port", "1"], _ => null));
        Assert.Equal(-1, SidecarOptions.Parse(["--app-id", "x", "--app-max-concurrency", "-1"], _ => null).AppMaxConcurrency);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 cmd/daprd/options/options.go: --dapr-block-shutdown-duration is a Go duration
    /// and nil unless given (fs.Changed); pkg/runtime/config.go: a negative --dapr-graceful-shutdown-seconds
    /// means the default 5 s, and runtime.go New passes no grace period (infinite) for 0.
    /// </summary>
    [Fact]
    public void Shutdown_flags_are_read_as_daprd_reads_them()
    {
        static SidecarOptions Parse(params string[] flags) => SidecarOptions.Parse(["--app-id", "x", .. flags], _ => null);

        Assert.Equal((null, TimeSpan.FromSeconds(5)), (Parse().BlockShutdown, Parse().GracefulShutdown));
        Assert.Equal(TimeSpan.FromSeconds(30), Parse("--dapr-block-shutdown-duration", "30s").BlockShutdown);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Parse("--dapr-block-shutdown-duration=1m30s").BlockShutdown / 60);
        Assert.Equal(TimeSpan.Zero, Parse("--dapr-block-shutdown-duration", "0").BlockShutdown);
        Assert.Throws<ArgumentException>(() => Parse("--dapr-block-shutdown-duration", "30"));
        Assert.Equal(TimeSpan.FromSeconds(20), Parse("--dapr-graceful-shutdown-seconds", "20").GracefulShutdown);
        Assert.Equal(TimeSpan.FromSeconds(5), Parse("--dapr-graceful-shutdown-seconds", "-1").GracefulShutdown);
        Assert.Null(Parse("--dapr-graceful-shutdown-seconds", "0").GracefulShutdown);
    }

    [Fact]
    public void Pubsub_redis_metadata_follows_components_contrib_decoding()
    {
        var defaults = RedisPubSubSettings.Parse(new Dictionary<string, string> { ["redisHost"] = "h:1" }, "proxy");
        var numbers = RedisPubSubSettings.Parse(new Dictionary<string, string> { ["redisHost"] = "h:1", ["processingTimeout"] = "1500", ["redeliverInterval"] = "250" }, "proxy");
        var strings = RedisPubSubSettings.Parse(new Dictionary<string, string> { ["redisHost"] = "h:1", ["processingTimeout"] = "2s", ["redeliverInterval"] = "30s", ["consumerID"] = "g" }, "proxy");

        Assert.Equal(("proxy", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), 100, 10), (defaults.ConsumerId, defaults.ProcessingTimeout, defaults.RedeliverInterval, defaults.QueueDepth, defaults.Concurrency));
        Assert.Equal((TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(250)), (numbers.ProcessingTimeout, numbers.RedeliverInterval));
        // redeliverInterval is read only as milliseconds: a duration string keeps the default.
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15), "30s", "g"), (strings.ProcessingTimeout, strings.RedeliverInterval, strings.IgnoredRedeliverInterval, strings.ConsumerId));
        Assert.Throws<InvalidOperationException>(() => RedisPubSubSettings.Parse(new Dictionary<string, string>(), "proxy"));
    }

    [Fact]
    public void Metadata_templates_expand_as_daprd_expands_them()
    {
        Assert.Equal("app-pod-1", MetadataTemplates.Apply("{appID}-{podName}", "app", "pod-1", "ns"));
        Assert.Equal("ns.app", MetadataTemplates.Apply("{namespace}", "app", "", "ns"));
        Assert.Throws<InvalidOperationException>(() => MetadataTemplates.Apply("{podName}", "app", "", "ns"));
    }

    [Fact]
    public void Durations_parse_as_Go_time_ParseDuration()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1500), GoDuration.Parse("1s500ms"));
        Assert.Equal(TimeSpan.FromMinutes(90), GoDuration.Parse("1.5h"));
        Assert.Throws<FormatException>(() => GoDuration.Parse("500"));
    }
}

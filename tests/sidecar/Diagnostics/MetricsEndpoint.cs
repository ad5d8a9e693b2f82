using System.Globalization;
using TestSidecar.Hosting;
using TestSidecar.Resources;
using YamlDotNet.RepresentationModel;

namespace TestSidecar.Diagnostics;

/// <summary>
/// daprd's metrics server (dapr/dapr v1.18.3 pkg/metrics/exporter.go): every path and method on
/// <c>--metrics-port</c> (default 9090) answers the Prometheus text exposition, without the API token;
/// <c>--enable-metrics=false</c> leaves the port closed. The Configuration's <c>spec.metric</c>
/// (pkg/config/configuration.go MetricSpec) turns the dapr_* views off (<c>enabled: false</c>: the
/// server still answers, without them) or sets the latency buckets (<c>latencyDistributionBuckets</c>,
/// integers in milliseconds).
/// </summary>
internal static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static DaprMetrics Create(SidecarOptions options, YamlMappingNode? configuration)
    {
        var spec = DaprResources.Child(DaprResources.Child(configuration, "spec"), "metric");
        var enabled = DaprResources.Scalar(spec, "enabled") is not { } text || !string.Equals(text, "false", StringComparison.OrdinalIgnoreCase);
        var buckets = DaprResources.Child(spec, "latencyDistributionBuckets") is YamlSequenceNode list
            ? list.Children.OfType<YamlScalarNode>().Select(b => (double)int.Parse(b.Value ?? "", NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)).ToList()
            : null;
        return new DaprMetrics(options.AppId, options.Namespace, enabled, buckets);
    }

    /// <summary>Answers every request that arrived on the metrics port; the others go on to the Dapr API.</summary>
    public static void UseDaprMetrics(this WebApplication app, SidecarOptions options)
    {
        if (!options.EnableMetrics)
        {
            return;
        }
        var metrics = app.Services.GetRequiredService<DaprMetrics>();
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort != options.MetricsPort)
            {
                await next(context);
                return;
            }
            context.Response.ContentType = ContentType;
            await context.Response.WriteAsync(metrics.Exposition(), context.RequestAborted);
        });
    }
}

using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Observability.Tests.Infrastructure;

/// <summary>
/// The running system (redis-server, ingress, proxy, their sidecars) with both apps exporting
/// traces to an in-test Zipkin collector. Shared by a test class.
/// </summary>
public sealed class ObservedStack : SystemFixture<LocalStack>
{
    private ZipkinCollector? _collector;

    public ZipkinCollector Collector => _collector ?? throw new InvalidOperationException("The collector was not started.");

    public LocalStack Stack => Started;

    public AppInstance Ingress => Stack[DaprNames.AppIds.Ingress];

    public AppInstance Proxy => Stack[DaprNames.AppIds.Proxy];

    public string Diagnostics() => StartedOrNull?.Diagnostics(60) ?? "(no stack)";

    public override async ValueTask InitializeAsync()
    {
        _collector = await ZipkinCollector.StartAsync(TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    protected override Task<LocalStack> StartAsync(CancellationToken cancellationToken) =>
        LocalStack.StartAsync(new StackOptions
        {
            Environment = new()
            {
                ["Telemetry__ZipkinEndpoint"] = Collector.Endpoint.ToString(),
                // The batch exporter's default 5 s delay would make every trace assertion wait that long.
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            },
            AppEnvironment = new()
            {
                // Finished workflows are purged within seconds, so ingress_workflows_purged_total shows up.
                [DaprNames.AppIds.Ingress] = new()
                {
                    ["Workflows__Retention"] = "00:00:02",
                    ["Workflows__PurgeInterval"] = "00:00:01",
                },
            },
            ReadyTimeout = TimeSpan.FromSeconds(90),
        }, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
    }
}

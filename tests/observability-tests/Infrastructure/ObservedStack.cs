using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;
using TestSupport;

namespace Observability.Tests.Infrastructure;

/// <summary>
/// The running system (redis-server, ingress, proxy, their test sidecars) with both apps exporting
/// traces to an in-test Zipkin collector. Shared by a test class. Without redis-server the tests
/// skip locally and fail under CI=true; a stack that does not start fails them with its output.
/// </summary>
public sealed class ObservedStack : IAsyncLifetime
{
    private LocalStack? _stack;
    private ZipkinCollector? _collector;
    private Exception? _startFailure;

    public ZipkinCollector Collector => _collector ?? throw new InvalidOperationException("The collector was not started.");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public LocalStack Stack
    {
        get
        {
            SidecarUnderTest.Current.SkipIfUnavailable();
            Requirements.RedisServerInstalled();
            if (_startFailure is not null)
            {
                Assert.Fail($"The stack did not start: {_startFailure}");
            }
            return _stack ?? throw new InvalidOperationException("The stack was not started.");
        }
    }

    public AppInstance Ingress => Stack[DaprNames.AppIds.Ingress];

    public AppInstance Proxy => Stack[DaprNames.AppIds.Proxy];

    public string Diagnostics() => _stack?.Diagnostics(60) ?? "(no stack)";

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _collector = await ZipkinCollector.StartAsync(cancellationToken);
        if (RedisServer.FindExecutable() is null || SidecarUnderTest.Current.UnavailableReason is not null)
        {
            return;
        }
        try
        {
            _stack = await LocalStack.StartAsync(new StackOptions
            {
                Environment = new()
                {
                    ["Telemetry__ZipkinEndpoint"] = _collector.Endpoint.ToString(),
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
        }
        catch (Exception ex) when (ex is StackStartException or FileNotFoundException or TimeoutException or InvalidOperationException)
        {
            _startFailure = ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }
        Http.Dispose();
    }
}

using System.Globalization;
using RedisStreamDemo.Stack;
using StackExchange.Redis;

namespace Faults.Infrastructure;

/// <summary>What a scenario changes about the system it starts: environment per app and, optionally, the Dapr resources.</summary>
public sealed class FaultStackOptions
{
    public Dictionary<string, Dictionary<string, string?>> AppEnvironment { get; init; } = [];

    /// <summary>Edits one components/*.yaml (file name, text) for this stack only; null runs the real resources.</summary>
    public Func<string, string, string>? EditResources { get; init; }

    /// <summary>daprd's shutdown flags for the sidecars; by default what `dapr run -f .` gives (no block, 5 s).</summary>
    public SidecarShutdown SidecarShutdown { get; init; } = SidecarShutdown.RunFile;

    /// <summary>The proxy's Terminals:Count; null keeps the app's setting.</summary>
    public int? TerminalCount { get; init; }

    /// <summary>The proxy's Terminals:ProcessingTime, the work each request takes; null keeps the app's setting.</summary>
    public TimeSpan? ProcessingTime { get; init; }

    /// <summary>Sets one variable of one app's environment, keeping the others.</summary>
    public void SetEnvironment(string appId, string name, string? value)
    {
        if (!AppEnvironment.TryGetValue(appId, out var environment))
        {
            AppEnvironment[appId] = environment = [];
        }
        environment[name] = value;
    }
}

/// <summary>
/// A private system for one scenario: a LocalStack on free ports (its own redis-server with AOF,
/// ingress, proxy, a test sidecar each), a Redis connection that survives Redis restarts, and an
/// HTTP client. Disposing it stops everything and removes its temporary folders.
/// </summary>
public sealed class FaultStack : IAsyncDisposable
{
    private readonly ResourcesVariant? _variant;

    private FaultStack(LocalStack stack, ConnectionMultiplexer redis, ResourcesVariant? variant)
    {
        Stack = stack;
        Multiplexer = redis;
        _variant = variant;
    }

    public LocalStack Stack { get; }

    public ConnectionMultiplexer Multiplexer { get; }

    public IDatabase Redis => Multiplexer.GetDatabase();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Ingress => Stack[DaprNames.AppIds.Ingress].Url;

    public Uri Proxy => Stack[DaprNames.AppIds.Proxy].Url;

    public static async Task<FaultStack> StartAsync(FaultStackOptions options, Action<string>? log, CancellationToken cancellationToken)
    {
        if (options.TerminalCount is { } count)
        {
            options.SetEnvironment(DaprNames.AppIds.Proxy, "Terminals__Count", count.ToString(CultureInfo.InvariantCulture));
        }
        if (options.ProcessingTime is { } processingTime)
        {
            options.SetEnvironment(DaprNames.AppIds.Proxy, "Terminals__ProcessingTime", processingTime.ToString("c", CultureInfo.InvariantCulture));
        }
        var variant = options.EditResources is { } edit ? ResourcesVariant.Create(edit) : null;
        LocalStack? stack = null;
        try
        {
            stack = await LocalStack.StartAsync(new StackOptions
            {
                RunFile = variant?.RunFile ?? new StackOptions().RunFile,
                AppEnvironment = options.AppEnvironment,
                ReadyTimeout = TimeSpan.FromSeconds(90),
                SidecarShutdown = options.SidecarShutdown,
                Log = log,
            }, cancellationToken);
            var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
            {
                EndPoints = { stack.RedisEndpoint },
                // Redis is stopped and started on purpose: keep reconnecting instead of failing.
                AbortOnConnectFail = false,
                ConnectTimeout = 2000,
                AsyncTimeout = 3000,
                SyncTimeout = 3000,
            });
            return new FaultStack(stack, redis, variant);
        }
        catch
        {
            if (stack is not null)
            {
                await stack.DisposeAsync();
            }
            variant?.Dispose();
            throw;
        }
    }

    public string Diagnostics(int lines = 60) => Stack.Diagnostics(lines);

    public async ValueTask DisposeAsync()
    {
        await Multiplexer.DisposeAsync();
        await Stack.DisposeAsync();
        Http.Dispose();
        _variant?.Dispose();
    }
}

using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;
using StackExchange.Redis;
using TestSupport;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The ingress's Correlation:Mode (services/ingress/Correlation/CorrelationOptions.cs).</summary>
public enum CorrelationMode
{
    /// <summary>A Dapr workflow per request; replies on weather-responses.</summary>
    Workflow,

    /// <summary>Waits in the ingress's memory; replies on the replica's own weather-responses.&lt;replica&gt;.</summary>
    Direct,
}

/// <summary>
/// One running system (redis-server, ingress, proxy, their sidecars: the test sidecar, or daprd
/// with RSD_SIDECAR=daprd) shared by the tests of a class or collection. A machine without
/// redis-server skips those tests locally and fails them under CI=true; daprd selected but not
/// installed skips them; a stack that does not start fails them with every process's last output lines.
/// </summary>
public abstract class StackFixture : IAsyncLifetime
{
    private LocalStack? _stack;
    private Exception? _startFailure;
    private ConnectionMultiplexer? _redis;

    /// <summary>Environment per app id on top of dapr.yaml's.</summary>
    protected virtual Dictionary<string, Dictionary<string, string?>> AppEnvironment => [];

    /// <summary>Set explicitly for both modes, so a change of the product's default cannot swap them.</summary>
    public virtual CorrelationMode Mode => CorrelationMode.Workflow;

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

    public WeatherApi Ingress => new(Http, Stack["ingress"].Url);

    public Uri Proxy => Stack["proxy"].Url;

    public IDatabase Redis => (_redis ?? throw new InvalidOperationException("Redis is not connected.")).GetDatabase();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Diagnostics() => _stack?.Diagnostics(60) ?? "(no stack)";

    public async ValueTask InitializeAsync()
    {
        if (SidecarUnderTest.Current.UnavailableReason is not null || RedisServer.FindExecutable() is null)
        {
            return;
        }
        try
        {
            _stack = await LocalStack.StartAsync(new StackOptions
            {
                AppEnvironment = EnvironmentWithMode(),
                ReadyTimeout = TimeSpan.FromSeconds(90),
            }, TestContext.Current.CancellationToken);
            _redis = await ConnectionMultiplexer.ConnectAsync(_stack.RedisEndpoint);
        }
        catch (Exception ex) when (ex is StackStartException or FileNotFoundException or TimeoutException or InvalidOperationException or RedisConnectionException)
        {
            _startFailure = ex;
        }
    }

    /// <summary>
    /// The topic the proxy answers a request on (its replyTopic, else weather-responses), checked
    /// against the mode: weather-responses in workflow mode, a reply topic of this replica's own in direct mode.
    /// </summary>
    public async Task<string> ReplyTopicOfAsync(string requestId)
    {
        var requests = await Streams.ForRequestAsync(Redis, DaprNames.Topics.WeatherRequests, requestId);
        Assert.True(requests.Count > 0, $"request {requestId} is not in {DaprNames.Topics.WeatherRequests}");
        var topic = requests[0].ReplyTopic;
        if (Mode == CorrelationMode.Workflow)
        {
            Assert.Equal(DaprNames.Topics.WeatherResponses, topic);
        }
        else
        {
            Assert.True(
                topic.StartsWith(DaprNames.Topics.ReplyTopicPrefix, StringComparison.Ordinal) && DaprNames.Topics.IsReplyTopic(topic),
                $"request {requestId} asks for replies on '{topic}'");
        }
        return topic;
    }

    private Dictionary<string, Dictionary<string, string?>> EnvironmentWithMode()
    {
        var environment = AppEnvironment.ToDictionary(app => app.Key, app => new Dictionary<string, string?>(app.Value));
        if (!environment.TryGetValue(DaprNames.AppIds.Ingress, out var ingress))
        {
            environment[DaprNames.AppIds.Ingress] = ingress = [];
        }
        ingress["Correlation__Mode"] = Mode.ToString();
        return environment;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        Http.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The system as dapr.yaml describes it (proxy: 4 terminals, 20 ms each).</summary>
public abstract class DefaultStack : StackFixture;

public sealed class DefaultWorkflowStack : DefaultStack;

public sealed class DefaultDirectStack : DefaultStack
{
    public override CorrelationMode Mode => CorrelationMode.Direct;
}

[CollectionDefinition(nameof(DefaultWorkflowStack))]
public sealed class DefaultWorkflowStackCollection : ICollectionFixture<DefaultWorkflowStack>;

[CollectionDefinition(nameof(DefaultDirectStack))]
public sealed class DefaultDirectStackCollection : ICollectionFixture<DefaultDirectStack>;

using RedisStreamDemo.Stack;
using StackExchange.Redis;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// One running system (redis-server, ingress, proxy, their sidecars: the test sidecar, or daprd
/// with RSD_SIDECAR=daprd) shared by the tests of a class or collection, in one correlation mode.
/// </summary>
/// <param name="mode">Set explicitly for both modes, so a change of the product's default cannot swap them.</param>
/// <param name="proxyProcessingTime">The proxy's Terminals:ProcessingTime; null keeps dapr.yaml's.</param>
public abstract class StackFixture(CorrelationMode mode, TimeSpan? proxyProcessingTime = null) : SystemFixture<LocalStack>
{
    private ConnectionMultiplexer? _redis;

    public CorrelationMode Mode { get; } = mode;

    public LocalStack Stack => Started;

    public IngressClient Ingress => new(Http, Stack[DaprNames.AppIds.Ingress].Url);

    public Uri Proxy => Stack[DaprNames.AppIds.Proxy].Url;

    public IDatabase Redis => (_redis ?? throw new InvalidOperationException("Redis is not connected.")).GetDatabase();

    public string Diagnostics() => StartedOrNull?.Diagnostics(60) ?? "(no stack)";

    protected override async Task<LocalStack> StartAsync(CancellationToken cancellationToken)
    {
        var stack = await LocalStack.StartAsync(new StackOptions
        {
            AppEnvironment = EnvironmentWithMode(),
            ReadyTimeout = TimeSpan.FromSeconds(90),
        }, cancellationToken);
        try
        {
            _redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisEndpoint);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
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

    // On top of dapr.yaml's environment.
    private Dictionary<string, Dictionary<string, string?>> EnvironmentWithMode()
    {
        var environment = new Dictionary<string, Dictionary<string, string?>>
        {
            [DaprNames.AppIds.Ingress] = new() { ["Correlation__Mode"] = Mode.ToString() },
        };
        if (proxyProcessingTime is { } processingTime)
        {
            environment[DaprNames.AppIds.Proxy] = new() { ["Terminals__ProcessingTime"] = processingTime.ToString("c", System.Globalization.CultureInfo.InvariantCulture) };
        }
        return environment;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>The system as dapr.yaml describes it (proxy: 4 terminals, 20 ms each).</summary>
public sealed class DefaultWorkflowStack() : StackFixture(CorrelationMode.Workflow);

/// <inheritdoc cref="DefaultWorkflowStack"/>
public sealed class DefaultDirectStack() : StackFixture(CorrelationMode.Direct);

[CollectionDefinition(nameof(DefaultWorkflowStack))]
public sealed class DefaultWorkflowStackCollection : ICollectionFixture<DefaultWorkflowStack>;

[CollectionDefinition(nameof(DefaultDirectStack))]
public sealed class DefaultDirectStackCollection : ICollectionFixture<DefaultDirectStack>;

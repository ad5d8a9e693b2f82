using TestSidecar.Diagnostics;
using TestSidecar.Resources;

namespace TestSidecar.PubSub;

internal sealed class PubSubNotFoundException(string name) : Exception($"pubsub {name} is not found")
{
    public string PubSubName { get; } = name;
}

/// <summary>dapr/dapr v1.18.3 pkg/runtime/pubsub/errors.go NotAllowedError (messages.ErrPubsubForbidden).</summary>
internal sealed class PubSubForbiddenException(string topic, string appId) : Exception($"topic {topic} is not allowed for app id {appId}");

/// <summary>
/// The loaded pub/sub components and daprd's publish path: CloudEvent envelope (unless the data
/// already is one, or the metadata asks for a raw payload: then the data is stored as it is), then
/// the component's Publish under the outbound resiliency policy. A publish through the API counts in
/// <c>dapr_component_pubsub_egress_count</c>/<c>_latencies</c> (dapr/dapr v1.18.3 pkg/api/grpc/grpc.go
/// and pkg/api/http/http.go PublishEvent: after the pubsub and topic are validated, the whole publish
/// with its retries timed); a dead-letter publish does not (it goes through the publisher alone).
/// </summary>
internal sealed class PubSubRuntime(IReadOnlyDictionary<string, RedisStreamsPubSub> components, IReadOnlyDictionary<string, TopicScopes> scopes, Resiliency resiliency, string appId, ILogger<PubSubRuntime> logger, DaprMetrics? metrics = null)
{
    public IReadOnlyDictionary<string, RedisStreamsPubSub> Components => components;

    public string AppId => appId;

    public TopicScopes Scopes(string pubsubName) => scopes.GetValueOrDefault(pubsubName) ?? TopicScopes.None;

    public Resiliency Resiliency => resiliency;

    public RedisStreamsPubSub Get(string name) =>
        components.TryGetValue(name, out var component) ? component : throw new PubSubNotFoundException(name);

    public async Task PublishEventAsync(string pubsubName, string topic, byte[] data, string? dataContentType, IReadOnlyDictionary<string, string>? metadata, TraceContext trace, CancellationToken cancellationToken)
    {
        var component = Get(pubsubName);
        var envelope = CloudEvents.IsRawPayload(metadata) ? data
            : CloudEvents.IsCloudEventContentType(dataContentType)
            ? CloudEvents.Complete(data, topic, pubsubName, trace.TraceParent, trace.TraceState, DateTimeOffset.UtcNow)
            : CloudEvents.Wrap(data, dataContentType, appId, topic, pubsubName, trace.TraceParent, trace.TraceState, DateTimeOffset.UtcNow, metadata);
        var started = TimeProvider.System.GetTimestamp();
        string id;
        try
        {
            id = await PublishAsync(component, topic, envelope, metadata, cancellationToken);
        }
        catch
        {
            metrics?.PubsubEgressEvent(pubsubName, topic, success: false, DaprMetrics.ElapsedMilliseconds(started));
            throw;
        }
        metrics?.PubsubEgressEvent(pubsubName, topic, success: true, DaprMetrics.ElapsedMilliseconds(started));
        Log.Published(logger, pubsubName, topic, id, trace.TraceParent);
    }

    /// <summary>
    /// daprd's publisher (pkg/runtime/pubsub/publisher/publisher.go Publish), used by the APIs and for
    /// dead-letter publishes: the topic scopes first (refused before any call to Redis), then the component
    /// publish under the outbound policy of targets.components.&lt;name&gt;.outbound: each attempt through the
    /// component's circuit breaker, then under the timeout (policy.go wraps the timed call in the breaker,
    /// so a timed-out attempt counts as a failure). The breaker's refusal is permanent: no retry.
    /// </summary>
    public async Task<string> PublishAsync(RedisStreamsPubSub component, string topic, byte[] data, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        if (!Scopes(component.Name).PublishAllowed(topic))
        {
            throw new PubSubForbiddenException(topic, appId);
        }
        var policy = resiliency.Outbound(component.Name, Resiliency.Pubsub);
        var started = TimeProvider.System.GetTimestamp();
        var timeouts = new TimeoutActivation(policy);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                async Task<string> AttemptAsync()
                {
                    var publish = component.PublishAsync(topic, data, metadata);
                    try
                    {
                        return policy?.Timeout is { } timeout ? await publish.WaitAsync(timeout, cancellationToken) : await publish.WaitAsync(cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        timeouts.Expired();
                        throw;
                    }
                }
                if (policy?.CircuitBreaker is not { } breaker)
                {
                    return await AttemptAsync();
                }
                var before = breaker.State;
                try
                {
                    return await breaker.ExecuteAsync(AttemptAsync);
                }
                finally
                {
                    policy.Metrics?.BreakerAttempted(before, breaker);
                }
            }
            catch (Exception ex) when (ex is not CircuitBreakerOpenException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
            {
                var delay = policy?.Retry?.NextDelay(attempt, TimeProvider.System.GetElapsedTime(started));
                if (delay is null)
                {
                    throw;
                }
                policy?.Metrics?.RetryActivated();
                Log.PublishRetry(logger, component.Name, topic, attempt, delay.Value, ex.Message);
                await Task.Delay(delay.Value, cancellationToken);
            }
        }
    }
}

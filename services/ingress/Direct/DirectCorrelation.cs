using System.Collections.Concurrent;
using System.Diagnostics;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Direct;

/// <summary>
/// Direct mode: the request carries this replica's reply topic (weather-responses.&lt;replica&gt;), which
/// only this replica subscribes to, so its reply comes back here and completes the waiting request
/// from memory. A topic per replica rather than a consumer group per replica on weather-responses:
/// with a group per replica every replica would read (and drop) every other replica's replies, and
/// pubsub.redis takes its consumer group from the component, shared with the proxy's competing
/// consumers. The cost is a stream per replica name in Redis (bounded by maxLenApprox), left behind
/// when a replica goes away for good.
///
/// Pending requests are bounded by Correlation:MaxInFlight; finished outcomes stay answerable for
/// Correlation:Retention in a cache bounded by Correlation:MaxTracked (settings shared with workflow
/// mode, so switching modes changes no timing).
/// </summary>
internal sealed class DirectCorrelation : IRequestCorrelation, IDisposable
{
    private readonly ConcurrentDictionary<string, PendingRequest> pending = new(StringComparer.Ordinal);
    private readonly MemoryCache finished;
    private readonly DaprClient dapr;
    private readonly IngressMetrics metrics;
    private readonly TimeProvider time;
    private readonly CorrelationOptions options;
    private readonly ILogger<DirectCorrelation> logger;
    private int reserved;

    public DirectCorrelation(
        DaprClient dapr,
        IngressMetrics metrics,
        TimeProvider time,
        IOptions<CorrelationOptions> options,
        ILogger<DirectCorrelation> logger)
    {
        this.dapr = dapr;
        this.metrics = metrics;
        this.time = time;
        this.options = options.Value;
        this.logger = logger;
        ReplyTopic = this.options.ReplyTopic;
        finished = new MemoryCache(new MemoryCacheOptions { SizeLimit = this.options.MaxTracked });
    }

    public string ReplyTopic { get; }

    public int InFlight => Volatile.Read(ref reserved);

    public async Task<StartResult> StartAsync(WeatherRequest request, CancellationToken cancellationToken)
    {
        var requestId = request.RequestId;
        // Reserved before the publish, so the bound holds under concurrent POSTs.
        if (Interlocked.Increment(ref reserved) > options.MaxInFlight)
        {
            Interlocked.Decrement(ref reserved);
            return StartResult.Overloaded;
        }

        // Registered before publishing: the reply may arrive before PublishEventAsync returns.
        var entry = new PendingRequest(time.GetUtcNow(),
            time.CreateTimer(_ => Expire(requestId), null, options.ReplyDeadline, Timeout.InfiniteTimeSpan));
        if (!pending.TryAdd(requestId, entry))
        {
            // Request ids are fresh Guids; a clash means a caller reused one.
            entry.Deadline.Dispose();
            Interlocked.Decrement(ref reserved);
            throw new InvalidOperationException($"Request {requestId} is already waiting.");
        }

        metrics.RequestStarted();

        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.publish", ActivityKind.Producer);
        activity?.SetTag(TelemetryTags.RequestId, requestId);
        activity?.SetTag(TelemetryTags.City, request.City);

        using var call = SidecarCall.Start(options, cancellationToken);
        try
        {
            var metadata = new Dictionary<string, string> { ["cloudevent.id"] = requestId };
            await dapr.PublishEventAsync(
                DaprNames.PubSub, DaprNames.Topics.WeatherRequests, request with { ReplyTopic = ReplyTopic }, metadata, call.Token);
            logger.Published(requestId, DaprNames.Topics.WeatherRequests, ReplyTopic);
            return StartResult.Started;
        }
        catch (Exception ex) when (ex is DaprException || SidecarCall.Failed(ex, cancellationToken))
        {
            // Forgotten at once: the client is told 503. Should the request have been published after
            // all, its reply is dropped as unknown.
            if (pending.TryRemove(requestId, out var removed))
            {
                removed.Deadline.Dispose();
                Release();
            }

            return StartResult.Unavailable(ex);
        }
    }

    public async Task<FinishedRequest> WaitAsync(string requestId, CancellationToken cancellationToken)
    {
        if (pending.TryGetValue(requestId, out var entry))
        {
            // The outcome comes through the task as well as the cache, so a zero retention loses nothing.
            return Finished(await entry.Completion.Task.WaitAsync(cancellationToken));
        }

        return finished.TryGetValue(requestId, out DirectOutcome? outcome) && outcome is not null
            ? Finished(outcome)
            : FinishedRequest.Unknown;
    }

    public Task<RequestLookup> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        if (pending.ContainsKey(requestId))
        {
            return Task.FromResult(RequestLookup.Pending);
        }

        return Task.FromResult(finished.TryGetValue(requestId, out DirectOutcome? outcome) && outcome is not null
            ? new RequestLookup(LookupStatus.Finished, Finished(outcome))
            : RequestLookup.Unknown);
    }

    public Task<ReplyHandling> DeliverAsync(WeatherReply reply, CancellationToken cancellationToken)
    {
        var requestId = reply.RequestId;
        if (pending.TryGetValue(requestId, out var entry) && Finish(requestId, entry, new DirectOutcome(reply)))
        {
            metrics.ReplyObserved(time.GetUtcNow() - entry.AcceptedAt);
            logger.ReplyHanded(requestId, reply.Terminal);
            return Task.FromResult(ReplyHandling.Success);
        }

        if (finished.TryGetValue(requestId, out DirectOutcome? outcome) && outcome is not null)
        {
            // At-least-once delivery: a redelivered reply, or one that came after the deadline.
            logger.DuplicateReply(requestId, outcome.Reply is null ? "DeadlinePassed" : "Answered");
            return Task.FromResult(ReplyHandling.Duplicate);
        }

        // Not a request this replica is waiting for (it restarted since, or the retention passed):
        // nothing can ever complete it, so retrying would only loop.
        logger.UnknownRequest(requestId);
        return Task.FromResult(ReplyHandling.Drop);
    }

    public void Dispose()
    {
        foreach (var entry in pending.Values)
        {
            entry.Deadline.Dispose();
        }

        finished.Dispose();
    }

    private void Expire(string requestId)
    {
        if (pending.TryGetValue(requestId, out var entry) && Finish(requestId, entry, DirectOutcome.DeadlinePassed))
        {
            logger.DeadlinePassed(requestId, options.ReplyDeadline);
        }
    }

    // The outcome is cached before the entry leaves pending: a WaitAsync or GetAsync that no longer
    // finds the request pending finds its outcome (were it the other way round, a reply arriving just
    // before the POST starts waiting would be answered 404). False when another caller finished it.
    private bool Finish(string requestId, PendingRequest entry, DirectOutcome outcome)
    {
        if (!finished.TryGetValue(requestId, out _))
        {
            Remember(requestId, outcome);
        }

        if (!pending.TryRemove(KeyValuePair.Create(requestId, entry)))
        {
            return false;
        }

        // The winner's outcome, should a reply and the deadline have raced.
        Remember(requestId, outcome);
        entry.Deadline.Dispose();
        entry.Completion.TrySetResult(outcome);
        Release();
        return true;
    }

    private void Remember(string requestId, DirectOutcome outcome)
    {
        if (options.Retention > TimeSpan.Zero)
        {
            finished.Set(requestId, outcome, new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = options.Retention,
            });
        }
    }

    private void Release()
    {
        Interlocked.Decrement(ref reserved);
        metrics.RequestFinished();
    }

    private static FinishedRequest Finished(DirectOutcome outcome) => outcome.Reply is { } reply
        ? FinishedRequest.Answered(reply)
        : FinishedRequest.DeadlinePassed;

    private sealed class PendingRequest(DateTimeOffset acceptedAt, ITimer deadline)
    {
        public DateTimeOffset AcceptedAt { get; } = acceptedAt;

        public ITimer Deadline { get; } = deadline;

        public TaskCompletionSource<DirectOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // A null reply: the deadline passed first.
    private sealed record DirectOutcome(WeatherReply? Reply)
    {
        public static readonly DirectOutcome DeadlinePassed = new((WeatherReply?)null);
    }
}

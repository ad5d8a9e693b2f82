using System.Collections.Concurrent;
using System.Diagnostics;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Proxy.Telemetry;
using RedisStreamDemo.Proxy.Terminals;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Requests;

/// <summary>
/// Delivery is at-least-once: the same request can arrive again (redelivery, retry after RETRY, a
/// restart after a crash) or twice at once (an entry reclaimed while still in flight). Each request
/// id is processed once: every other delivery re-publishes the reply saved in the reply store, or
/// waits for the delivery of it already in flight in this process.
/// </summary>
internal sealed class WeatherRequestHandler(
    TerminalPool terminals,
    ReplyStore replies,
    DaprClient dapr,
    ProxyMetrics metrics,
    TimeProvider time,
    IOptions<ReplyOptions> options,
    ILogger<WeatherRequestHandler> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Delivery>>> inFlight = new(StringComparer.Ordinal);

    public async Task<TopicResponse> HandleAsync(WeatherRequest? request, CancellationToken cancellationToken)
    {
        if (!IsProcessable(request))
        {
            // Retrying cannot repair the bytes. Since dapr/dapr#7097 (Dapr 1.13; confirmed for 1.16 in
            // dapr/dapr#9400) DROP sends the message straight to the subscription's dead-letter topic,
            // so no inbound retry budget is spent on it. daprd treats a 404 the same way (both are
            // ErrMessageDropped in dapr/dapr pkg/runtime/subscription/postman/http/http.go).
            logger.Poison(request?.RequestId);
            metrics.Retried(RetryReason.Poison);
            return TopicResponse.Drop;
        }

        using var activity = ProxyTelemetry.ActivitySource.StartActivity("forecast.process");
        activity?.SetTag(TelemetryTags.RequestId, request.RequestId);
        activity?.SetTag(TelemetryTags.City, request.City);
        using var scope = logger.BeginRequestScope(request.RequestId);

        var mine = new Lazy<Task<Delivery>>(() => DeliverOnceAsync(request));
        var shared = inFlight.GetOrAdd(request.RequestId, mine);
        if (!ReferenceEquals(shared, mine))
        {
            logger.JoinedInFlight(request.RequestId);
            metrics.Duplicate();
        }

        // The shared work does not take this token: one caller giving up must not cancel it for the others.
        var delivery = await shared.Value.WaitAsync(cancellationToken);
        activity?.SetTag(TelemetryTags.Terminal, delivery.Terminal);

        switch (delivery.Outcome)
        {
            case Outcome.Processed or Outcome.Republished:
                return TopicResponse.Success;
            case Outcome.Busy:
                logger.TerminalsBusy(request.RequestId);
                metrics.Retried(RetryReason.Busy);
                break;
            case Outcome.ShuttingDown:
                logger.ShuttingDown(request.RequestId);
                metrics.Retried(RetryReason.ShuttingDown);
                break;
            case Outcome.StoreFailed:
                metrics.Retried(RetryReason.StoreFailed);
                break;
            default:
                metrics.Retried(RetryReason.PublishFailed);
                break;
        }

        activity?.SetStatus(ActivityStatusCode.Error, delivery.Outcome.ToString());
        return TopicResponse.Retry;
    }

    // A dead letter is either poison (nothing can process it: counted and acknowledged) or a good
    // request whose deliveries ran out of inbound retries while this app was down, restarting or
    // busy for longer than the budget. That one is still processed and answered like any delivery,
    // with the dead-letter subscription's own retry budget: dropping it would lose the request.
    public async Task<TopicResponse> HandleDeadLetterAsync(WeatherRequest? request, CancellationToken cancellationToken)
    {
        metrics.DeadLettered();
        if (!IsProcessable(request))
        {
            logger.DeadLettered(request?.RequestId, request?.City);
            return TopicResponse.Success;
        }
        logger.DeadLetteredRequestProcessed(request.RequestId, request.City);
        return await HandleAsync(request, cancellationToken);
    }

    // daprd refuses state keys containing "||" (its key-prefix separator), so such an id could
    // never be looked up in the reply store.
    private static bool IsProcessable([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] WeatherRequest? request) =>
        request is not null
        && !string.IsNullOrWhiteSpace(request.RequestId)
        && !request.RequestId.Contains("||", StringComparison.Ordinal)
        && !string.IsNullOrWhiteSpace(request.City);

    private async Task<Delivery> DeliverOnceAsync(WeatherRequest request)
    {
        var topic = ReplyTopic(request);
        try
        {
            // Looked up inside the in-flight entry: an owner that just finished has saved its reply
            // before leaving inFlight, so a delivery arriving in between still finds it.
            if (await replies.FindAsync(request.RequestId) is { } saved)
            {
                logger.Republishing(request.RequestId);
                metrics.Duplicate();
                return new(await PublishAsync(saved, topic) ? Outcome.Republished : Outcome.PublishFailed, saved.Terminal);
            }

            WeatherReply reply;
            using (var lease = await terminals.TryAcquireAsync(request.RequestId, CancellationToken.None))
            {
                if (lease is null)
                {
                    return new(terminals.IsStopping ? Outcome.ShuttingDown : Outcome.Busy, null);
                }

                var started = time.GetTimestamp();
                reply = await lease.Terminal.ProcessAsync(request, CancellationToken.None);
                metrics.Processed(reply.Terminal, time.GetElapsedTime(started));
            }

            // Saved before publishing, so no reply is ever published that a redelivery would not
            // find: a crash after this point, or a failed publish, ends in a re-publish. When the
            // save fails the reply is not published at all and the redelivery processes again.
            await replies.SaveAsync(reply);
            logger.Processed(request.RequestId, request.City, reply.Terminal);
            return new(await PublishAsync(reply, topic) ? Outcome.Processed : Outcome.PublishFailed, reply.Terminal);
        }
        catch (Exception ex) when (ex is DaprException or OperationCanceledException)
        {
            logger.ReplyStoreFailed(ex, request.RequestId);
            return new(Outcome.StoreFailed, null);
        }
        finally
        {
            // Only the owner's entry can be under this key while it runs: GetOrAdd never replaces it.
            inFlight.TryRemove(request.RequestId, out _);
        }
    }

    // The ingress names its reply topic in direct correlation mode. Only weather-responses and
    // weather-responses.<replica> are honoured: anything else falls back to weather-responses, so a
    // request cannot make the proxy publish to a topic of its choosing.
    private string ReplyTopic(WeatherRequest request)
    {
        if (request.ReplyTopic is not { } topic)
        {
            return DaprNames.Topics.WeatherResponses;
        }

        if (DaprNames.Topics.IsReplyTopic(topic))
        {
            return topic;
        }

        logger.ReplyTopicRefused(request.RequestId, topic.Length > 80 ? topic[..80] : topic);
        return DaprNames.Topics.WeatherResponses;
    }

    private async Task<bool> PublishAsync(WeatherReply reply, string topic)
    {
        using var timeout = new CancellationTokenSource(options.Value.PublishTimeout, time);
        try
        {
            await dapr.PublishEventAsync(DaprNames.PubSub, topic, reply, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is DaprException or OperationCanceledException)
        {
            logger.PublishFailed(ex, reply.RequestId);
            return false;
        }
    }

    private enum Outcome
    {
        Processed,
        Republished,
        Busy,
        ShuttingDown,
        PublishFailed,
        StoreFailed,
    }

    private readonly record struct Delivery(Outcome Outcome, string? Terminal);
}

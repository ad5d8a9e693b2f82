using System.Collections.Concurrent;
using System.Diagnostics;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Options;
using ProxyService.Terminals;
using RedisStreamDemo.Contracts;

namespace ProxyService.Requests;

// Delivery is at-least-once: the same request can arrive again (redelivery, retry after RETRY) or
// twice at once (an entry reclaimed while still in flight). Each request id is processed once;
// every other delivery of it re-publishes the remembered reply or waits for the one in flight.
internal sealed class WeatherRequestHandler(
    TerminalPool terminals,
    ReplyCache replies,
    DaprClient dapr,
    ProxyMetrics metrics,
    TimeProvider time,
    IOptions<ReplyOptions> options,
    ILogger<WeatherRequestHandler> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Delivery>>> inFlight = new(StringComparer.Ordinal);

    public async Task<TopicResponse> HandleAsync(WeatherRequest? request, CancellationToken cancellationToken)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.RequestId) || string.IsNullOrWhiteSpace(request.City))
        {
            // Retrying cannot repair the bytes. Since dapr/dapr#7097 (Dapr 1.13; confirmed for 1.16 in
            // dapr/dapr#9400) DROP sends the message straight to the subscription's dead-letter topic,
            // so no inbound retry budget is spent on it. A 404 would drop it without dead-lettering.
            logger.Poison(request?.RequestId);
            metrics.Retried(RetryReason.Poison);
            return TopicResponse.Drop;
        }

        using var activity = ProxyTelemetry.ActivitySource.StartActivity("weather-request process");
        activity?.SetTag(ProxyTelemetry.Tags.RequestId, request.RequestId);
        activity?.SetTag(ProxyTelemetry.Tags.City, request.City);
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
        activity?.SetTag(ProxyTelemetry.Tags.Terminal, delivery.Terminal);

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
            default:
                metrics.Retried(RetryReason.PublishFailed);
                break;
        }

        activity?.SetStatus(ActivityStatusCode.Error, delivery.Outcome.ToString());
        return TopicResponse.Retry;
    }

    public TopicResponse HandleDeadLetter(string? requestId, string? city)
    {
        logger.DeadLettered(requestId, city);
        metrics.DeadLettered();
        return TopicResponse.Success;
    }

    private async Task<Delivery> DeliverOnceAsync(WeatherRequest request)
    {
        var topic = ReplyTopic(request);
        try
        {
            // Checked here, not before joining: an owner that just finished has remembered its reply
            // before leaving inFlight, so a delivery arriving in between still finds it.
            if (replies.TryGet(request.RequestId, out var remembered))
            {
                logger.Republishing(request.RequestId);
                metrics.Duplicate();
                return new(await PublishAsync(remembered, topic) ? Outcome.Republished : Outcome.PublishFailed, remembered.Terminal);
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

            // Remembered before publishing: if the publish fails, Dapr's retry only re-publishes.
            replies.Remember(reply);
            logger.Processed(request.RequestId, request.City, reply.Terminal);
            return new(await PublishAsync(reply, topic) ? Outcome.Processed : Outcome.PublishFailed, reply.Terminal);
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
    }

    private readonly record struct Delivery(Outcome Outcome, string? Terminal);
}

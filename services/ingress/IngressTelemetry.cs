using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IngressService;

internal static class IngressTelemetry
{
    // Service defaults subscribe to every "RedisStreamDemo.*" source and meter.
    public const string Name = "RedisStreamDemo.Ingress";

    public const string RequestIdTag = "weather.request_id";
    public const string CityTag = "weather.city";

    public static readonly ActivitySource ActivitySource = new(Name);
}

// Values of the "outcome" tag on ingress.requests; dashboards filter on these exact strings.
internal static class RequestOutcome
{
    public const string Ok = "ok";
    public const string Accepted = "accepted";
    public const string Invalid = "invalid";
    public const string TimedOut = "timed_out";
    public const string RateLimited = "rate_limited";
    public const string Overloaded = "overloaded";
    public const string Unauthorized = "unauthorized";
    public const string Error = "error";

    public static readonly string[] All = [Ok, Accepted, Invalid, TimedOut, RateLimited, Overloaded, Unauthorized, Error];
}

// Values of the "result" tag on ingress.replies.received.
internal static class ReplyResult
{
    public const string Success = "success";
    public const string Duplicate = "duplicate";
    public const string Drop = "drop";
    public const string Retry = "retry";

    public static readonly string[] All = [Success, Duplicate, Drop, Retry];
}

internal sealed class IngressMetrics
{
    private readonly Counter<long> requests;
    private readonly Histogram<double> replyDuration;
    private readonly UpDownCounter<long> inFlight;
    private readonly Counter<long> repliesReceived;
    private readonly Counter<long> deadLetteredReplies;
    private readonly Counter<long> purged;

    public IngressMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(IngressTelemetry.Name);
        requests = meter.CreateCounter<long>("ingress.requests", "{request}", "Forecast requests by outcome.");
        replyDuration = meter.CreateHistogram<double>(
            "ingress.reply.duration", "s", "Time from accepting a request to observing its reply.");
        inFlight = meter.CreateUpDownCounter<long>(
            "ingress.workflows.in_flight", "{workflow}", "Workflows scheduled by this replica and not yet finished.");
        repliesReceived = meter.CreateCounter<long>(
            "ingress.replies.received", "{reply}", "Reply deliveries from the sidecar by result.");
        deadLetteredReplies = meter.CreateCounter<long>(
            "ingress.replies.deadlettered", "{reply}", "Reply deliveries from the dead-letter topic (their first delivery ran out of retries) by result.");
        purged = meter.CreateCounter<long>("ingress.workflows.purged", "{workflow}", "Finished workflow instances purged.");
    }

    // A counter is exported from its first Add: adding zero for every label value once the exporter
    // listens makes a fresh ingress show 0 on the dashboards instead of "No data".
    public void StartAtZero()
    {
        foreach (var outcome in RequestOutcome.All)
        {
            requests.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
        foreach (var result in ReplyResult.All)
        {
            repliesReceived.Add(0, new KeyValuePair<string, object?>("result", result));
            deadLetteredReplies.Add(0, new KeyValuePair<string, object?>("result", result));
        }
        inFlight.Add(0);
        purged.Add(0);
    }

    public void Request(string outcome) => requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ReplyObserved(TimeSpan sinceAccepted) => replyDuration.Record(Math.Max(0, sinceAccepted.TotalSeconds));

    public void WorkflowStarted() => inFlight.Add(1);

    public void WorkflowFinished() => inFlight.Add(-1);

    public void ReplyReceived(string result) => repliesReceived.Add(1, new KeyValuePair<string, object?>("result", result));

    public void DeadLetteredReplyReceived(string result) => deadLetteredReplies.Add(1, new KeyValuePair<string, object?>("result", result));

    public void WorkflowPurged() => purged.Add(1);
}

// Registered after the service defaults, so it starts after OpenTelemetry's hosted service: by then
// the Prometheus exporter listens and the zeros are recorded.
internal sealed class IngressMetricsAtZero(IngressMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.StartAtZero();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

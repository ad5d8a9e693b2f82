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
}

// Values of the "result" tag on ingress.replies.received.
internal static class ReplyResult
{
    public const string Success = "success";
    public const string Duplicate = "duplicate";
    public const string Drop = "drop";
    public const string Retry = "retry";
}

internal sealed class IngressMetrics
{
    private readonly Counter<long> requests;
    private readonly Histogram<double> replyDuration;
    private readonly UpDownCounter<long> inFlight;
    private readonly Counter<long> repliesReceived;
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
        purged = meter.CreateCounter<long>("ingress.workflows.purged", "{workflow}", "Finished workflow instances purged.");
    }

    public void Request(string outcome) => requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ReplyObserved(TimeSpan sinceAccepted) => replyDuration.Record(Math.Max(0, sinceAccepted.TotalSeconds));

    public void WorkflowStarted() => inFlight.Add(1);

    public void WorkflowFinished() => inFlight.Add(-1);

    public void ReplyReceived(string result) => repliesReceived.Add(1, new KeyValuePair<string, object?>("result", result));

    public void WorkflowPurged() => purged.Add(1);
}

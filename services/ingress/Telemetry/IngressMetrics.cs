using System.Diagnostics.Metrics;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Telemetry;

/// <summary>
/// The ingress's instruments. Their names are shared with the Grafana dashboards; Prometheus shows
/// them as ingress_requests_total, ingress_requests_in_flight, ...
/// </summary>
internal sealed class IngressMetrics : ICountersAtZero
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
            "ingress.requests.in_flight", "{request}", "Requests handed on by this replica and not yet finished, in either correlation mode.");
        repliesReceived = meter.CreateCounter<long>(
            "ingress.replies.received", "{reply}", "Reply deliveries from the sidecar by result.");
        deadLetteredReplies = meter.CreateCounter<long>(
            "ingress.replies.deadlettered", "{reply}", "Reply deliveries from the dead-letter topic (their first delivery ran out of retries) by result.");
        purged = meter.CreateCounter<long>("ingress.workflows.purged", "{workflow}", "Finished workflow instances purged.");
    }

    public void StartAtZero()
    {
        foreach (var outcome in Enum.GetValues<RequestOutcome>())
        {
            requests.Add(0, OutcomeTag(outcome));
        }
        foreach (var result in Enum.GetValues<ReplyResult>())
        {
            repliesReceived.Add(0, ResultTag(result));
            deadLetteredReplies.Add(0, ResultTag(result));
        }
        inFlight.Add(0);
        purged.Add(0);
    }

    public void Request(RequestOutcome outcome) => requests.Add(1, OutcomeTag(outcome));

    public void ReplyObserved(TimeSpan sinceAccepted) => replyDuration.Record(Math.Max(0, sinceAccepted.TotalSeconds));

    public void RequestStarted() => inFlight.Add(1);

    public void RequestFinished() => inFlight.Add(-1);

    public void ReplyReceived(ReplyResult result) => repliesReceived.Add(1, ResultTag(result));

    public void DeadLetteredReplyReceived(ReplyResult result) => deadLetteredReplies.Add(1, ResultTag(result));

    public void WorkflowPurged() => purged.Add(1);

    private static KeyValuePair<string, object?> OutcomeTag(RequestOutcome outcome) => new("outcome", TagValues.Of(outcome));

    private static KeyValuePair<string, object?> ResultTag(ReplyResult result) => new("result", TagValues.Of(result));
}

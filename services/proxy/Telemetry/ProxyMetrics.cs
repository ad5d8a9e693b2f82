using System.Diagnostics.Metrics;
using RedisStreamDemo.Proxy.Terminals;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Telemetry;

/// <summary>
/// The proxy's instruments. Their names are shared with the Grafana dashboards; Prometheus shows
/// them as proxy_terminals_busy, proxy_requests_processed_total, proxy_processing_duration_seconds, ...
/// </summary>
internal sealed class ProxyMetrics : ICountersAtZero
{
    public const string MeterName = ProxyTelemetry.Name;

    private readonly TerminalPool terminals;
    private readonly Counter<long> processed;
    private readonly Counter<long> retried;
    private readonly Counter<long> duplicate;
    private readonly Counter<long> deadLettered;
    private readonly Histogram<double> processingDuration;

    public ProxyMetrics(IMeterFactory meterFactory, TerminalPool terminals)
    {
        this.terminals = terminals;
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("proxy.terminals.busy", () => terminals.Busy, "{terminal}",
            "Terminals working on a request right now.");
        meter.CreateObservableGauge("proxy.terminals.capacity", () => terminals.Capacity, "{terminal}",
            "Terminals in the pool.");
        processed = meter.CreateCounter<long>("proxy.requests.processed", "{request}",
            "Requests a terminal processed, by terminal.");
        retried = meter.CreateCounter<long>("proxy.requests.retried", "{request}",
            "Deliveries handed back to Dapr unprocessed, by reason (poison ones are answered DROP, the rest RETRY).");
        duplicate = meter.CreateCounter<long>("proxy.requests.duplicate", "{request}",
            "Redeliveries answered from the reply store or joined to the delivery already in flight.");
        deadLettered = meter.CreateCounter<long>("proxy.requests.deadlettered", "{request}",
            "Requests that arrived on the dead-letter topic.");
        processingDuration = meter.CreateHistogram("proxy.processing.duration", "s",
            "Time a terminal spent on one request.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
    }

    public void StartAtZero()
    {
        foreach (var terminal in terminals.Snapshot().Terminals)
        {
            processed.Add(0, new KeyValuePair<string, object?>("terminal", terminal.Id));
        }
        foreach (var reason in Enum.GetValues<RetryReason>())
        {
            retried.Add(0, ReasonTag(reason));
        }
        duplicate.Add(0);
        deadLettered.Add(0);
    }

    public void Processed(string terminal, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("terminal", terminal);
        processed.Add(1, tag);
        processingDuration.Record(duration.TotalSeconds, tag);
    }

    public void Retried(RetryReason reason) => retried.Add(1, ReasonTag(reason));

    private static KeyValuePair<string, object?> ReasonTag(RetryReason reason) => new("reason", TagValues.Of(reason));

    public void Duplicate() => duplicate.Add(1);

    public void DeadLettered() => deadLettered.Add(1);
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RedisStreamDemo.Proxy.Telemetry;

namespace Proxy.Tests.Support;

// Records the proxy meter of one service provider only (the meter's scope is its IMeterFactory),
// so tests running in parallel do not see each other's measurements.
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<Measurement> measurements = new();

    public MetricRecorder(IMeterFactory scope)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProxyMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        listener.Start();
    }

    public double Sum(string instrument, string? tag = null, string? tagValue = null) =>
        measurements
            .Where(m => m.Instrument == instrument)
            .Where(m => tag is null || m.Tags.Any(t => t.Key == tag && Equals(t.Value, tagValue)))
            .Sum(m => m.Value);

    public int Count(string instrument) => measurements.Count(m => m.Instrument == instrument);

    public double Observe(string instrument)
    {
        listener.RecordObservableInstruments();
        return measurements.Last(m => m.Instrument == instrument).Value;
    }

    public void Dispose() => listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray()));

    private sealed record Measurement(string Instrument, double Value, KeyValuePair<string, object?>[] Tags);
}

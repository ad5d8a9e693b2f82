using RedisStreamDemo.Contracts;
using RedisStreamDemo.Proxy.Forecasts;

namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>
/// One worker of the pool. The pool hands it to one request at a time through a TerminalLease.
/// </summary>
internal sealed class Terminal(string id, TimeSpan processingTime, TimeProvider time)
{
    private string? currentRequestId;
    private long processed;

    public string Id { get; } = id;

    public string? CurrentRequestId
    {
        get => Volatile.Read(ref currentRequestId);
        internal set => Volatile.Write(ref currentRequestId, value);
    }

    public long Processed => Interlocked.Read(ref processed);

    public async Task<WeatherReply> ProcessAsync(WeatherRequest request, CancellationToken cancellationToken)
    {
        if (processingTime > TimeSpan.Zero)
        {
            await Task.Delay(processingTime, time, cancellationToken);
        }

        var forecasts = ForecastGenerator.ForDays(request.City, DateOnly.FromDateTime(request.RequestedAt.UtcDateTime));
        Interlocked.Increment(ref processed);
        return new WeatherReply(request.RequestId, request.City, request.Location, forecasts, Id, time.GetUtcNow());
    }
}

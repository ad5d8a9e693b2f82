using System.Diagnostics;

namespace LoadTest.Running;

/// <summary>
/// What to run: a count or a duration (the duration wins), at a concurrency (closed model), or at
/// a fixed arrival <see cref="Rate"/> with <see cref="Concurrency"/> as the in-flight cap (open model).
/// </summary>
internal sealed record LoadPlan(int Concurrency, long? Count = null, TimeSpan? Duration = null, double? Rate = null)
{
    public bool IsDone(long index, long startTimestamp) =>
        Duration is { } duration
            ? Stopwatch.GetElapsedTime(startTimestamp) >= duration
            : index >= (Count ?? 0);
}

/// <summary>
/// Drives a request function and records every outcome and latency in <see cref="LoadStats"/>.
/// The function gets the request's index and must not throw for an ordinary failure; an exception
/// it lets out is recorded by type all the same.
/// </summary>
internal static class LoadRunner
{
    public static Task<TimeSpan> RunAsync(
        LoadPlan plan,
        Func<long, CancellationToken, Task<RequestOutcome>> send,
        LoadStats stats,
        CancellationToken cancellationToken) =>
        plan.Rate is { } rate
            ? RunOpenAsync(plan, rate, send, stats, cancellationToken)
            : RunClosedAsync(plan, send, stats, cancellationToken);

    // Closed model: each worker sends its next request as soon as the previous one is done.
    private static async Task<TimeSpan> RunClosedAsync(
        LoadPlan plan,
        Func<long, CancellationToken, Task<RequestOutcome>> send,
        LoadStats stats,
        CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        long next = -1;
        var workers = Enumerable.Range(0, plan.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (plan.IsDone(index, start))
                {
                    return;
                }
                await SendOneAsync(index, Stopwatch.GetTimestamp(), send, stats, cancellationToken);
            }
        }, CancellationToken.None));
        await Task.WhenAll(workers);
        return Stopwatch.GetElapsedTime(start);
    }

    // Open model: request i is due at start + i/rate whether or not earlier ones have answered.
    // Latency counts from the due time, so a backlog (or the in-flight cap) shows up in it
    // instead of hiding as a slower arrival rate (coordinated omission).
    private static async Task<TimeSpan> RunOpenAsync(
        LoadPlan plan,
        double rate,
        Func<long, CancellationToken, Task<RequestOutcome>> send,
        LoadStats stats,
        CancellationToken cancellationToken)
    {
        using var inFlight = new SemaphoreSlim(plan.Concurrency, plan.Concurrency);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / rate;
        try
        {
            for (long index = 0; !plan.IsDone(index, start); index++)
            {
                var due = start + (long)(index * ticksPerRequest);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken);
                }
                await inFlight.WaitAsync(cancellationToken);
                var captured = index;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await SendOneAsync(captured, due, send, stats, cancellationToken);
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stop scheduling; the requests in flight still finish below.
        }

        for (var i = 0; i < plan.Concurrency; i++)
        {
            await inFlight.WaitAsync(CancellationToken.None);
        }
        return Stopwatch.GetElapsedTime(start);
    }

    private static async Task SendOneAsync(
        long index,
        long startTimestamp,
        Func<long, CancellationToken, Task<RequestOutcome>> send,
        LoadStats stats,
        CancellationToken cancellationToken)
    {
        RequestOutcome outcome;
        try
        {
            outcome = await send(index, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // Interrupted by the user: neither a success nor an error of the system under test.
        }
        catch (Exception ex)
        {
            outcome = RequestOutcome.FromException(ex);
        }
        stats.Record(outcome, Stopwatch.GetElapsedTime(startTimestamp));
    }
}

namespace TestSidecar.PubSub;

/// <summary>
/// One started subscription and how it stops when the app turns unhealthy (dapr/dapr v1.18.3
/// pkg/runtime/subscription/subscription.go, Stop without a graceful-shutdown cause): it is marked
/// closed at once, so a message reaching the handler afterwards is not delivered and waits for the
/// subscription's end (its entry stays pending); deliveries already running go on (daprd runs them
/// under context.Background) and Stop waits up to 30 s for them, then 400 ms more when there were
/// any, and only then cancels the component's subscription (its poll and reclaim loops). A delivery
/// that fails while the subscription is closed is not dead-lettered: it too waits for the end and
/// its entry stays pending.
/// </summary>
internal sealed class RunningSubscription(AppSubscription subscription) : IDisposable
{
    private static readonly TimeSpan DrainMaxDuration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AckSettle = TimeSpan.FromMilliseconds(400);

    private readonly CancellationTokenSource _cancel = new();
    private volatile bool _closed;
    private int _inflight;

    public AppSubscription Subscription => subscription;

    /// <summary>The context handed to the component's Subscribe: cancelled at the end of <see cref="StopAsync"/>.</summary>
    public CancellationToken Token => _cancel.Token;

    public bool Closed => _closed;

    /// <summary>Runs one delivery as the subscription's handler does; throws <see cref="OperationCanceledException"/> when the subscription closed first or meanwhile and the delivery failed.</summary>
    public async Task HandleAsync(Func<Task> deliver, CancellationToken stopping)
    {
        Interlocked.Increment(ref _inflight);
        if (_closed)
        {
            Interlocked.Decrement(ref _inflight);
            await WaitForEndAsync(stopping);
            throw new OperationCanceledException("subscription is closed");
        }
        var released = false;
        try
        {
            await deliver();
        }
        catch (Exception) when (_closed)
        {
            // Decremented before waiting so that Stop's wait for deliveries in flight can end.
            released = true;
            Interlocked.Decrement(ref _inflight);
            await WaitForEndAsync(stopping);
            throw new OperationCanceledException("subscription is closed");
        }
        finally
        {
            if (!released)
            {
                Interlocked.Decrement(ref _inflight);
            }
        }
    }

    public async Task StopAsync()
    {
        _closed = true;
        var hadInflight = Volatile.Read(ref _inflight) > 0;
        var deadline = TimeProvider.System.GetTimestamp();
        while (Volatile.Read(ref _inflight) > 0 && TimeProvider.System.GetElapsedTime(deadline) < DrainMaxDuration)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
        if (hadInflight)
        {
            await Task.Delay(AckSettle);
        }
        await _cancel.CancelAsync();
    }

    private async Task WaitForEndAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _cancel.Dispose();
}

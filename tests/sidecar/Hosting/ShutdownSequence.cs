using TestSidecar.PubSub;

namespace TestSidecar.Hosting;

/// <summary>
/// daprd's shutdown after SIGTERM or SIGINT (dapr/dapr v1.18.3 pkg/runtime/runtime.go Run and New,
/// dapr/kit concurrency/closer.go RunnerCloserManager, dapr/kit signals):
/// <list type="number">
/// <item>With --dapr-block-shutdown-duration: every app subscription is stopped first
/// (StopAllSubscriptionsForever: the drain of <see cref="RedisStreamsPubSub.StopSubscriptionsAsync"/>),
/// then daprd waits for the block duration, or until the app is (or turns) unhealthy, which it is at
/// once when its init never completed. Everything else keeps running meanwhile: the HTTP and gRPC APIs
/// (publish, state, workflows), the components.</item>
/// <item>Then the runners stop (the gRPC API server among them) and the closers run: each component's
/// close (a pubsub drains its subscriptions again as above, then closes), the HTTP server. The grace
/// period (--dapr-graceful-shutdown-seconds, default 5 s, 0 = none) bounds them: when it expires daprd
/// logs a fatal error and exits with code 1. The sidecar starts that clock when it stops its API, a
/// little earlier than daprd (which starts it once the runners have returned): stricter, never kinder.</item>
/// <item>A second signal during shutdown exits at once with code 1.</item>
/// </list>
/// </summary>
internal sealed class ShutdownSequence(
    SidecarOptions options,
    SidecarState state,
    PubSubRuntime pubsub,
    IHostApplicationLifetime lifetime,
    ILogger<ShutdownSequence> logger)
{
    private readonly CancellationTokenSource _finished = new();
    private int _signals;

    /// <summary>Called for each shutdown signal.</summary>
    public void OnSignal(string signal)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Log.SecondSignal(logger, signal);
            Environment.Exit(1);
        }
        Log.ShutdownSignal(logger, signal);
        _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        if (options.BlockShutdown is { } block)
        {
            Log.BlockingShutdown(logger, block);
            await Task.WhenAll(pubsub.Components.Values.Select(c => c.StopSubscriptionsAsync()));
            // runtime.go reads isAppHealthy when it starts waiting, after the subscriptions have stopped.
            var unhealthy = state.AppUnhealthy;
            if (await Task.WhenAny(Task.Delay(block), unhealthy) == unhealthy)
            {
                Log.BlockEndedAppUnhealthy(logger);
            }
            else
            {
                Log.BlockExpired(logger);
            }
        }

        Log.ShuttingDown(logger);
        if (options.GracefulShutdown is { } grace)
        {
            _ = ExitAfterAsync(grace);
        }
        lifetime.StopApplication();
    }

    private async Task ExitAfterAsync(TimeSpan grace)
    {
        try
        {
            await Task.Delay(grace, _finished.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        // closer.go fatalShutdownFn: log.Fatal, which exits with code 1.
        Log.GraceExceeded(logger);
        Environment.Exit(1);
    }

    /// <summary>Every closer has returned: the grace period no longer applies.</summary>
    public void Finished()
    {
        _finished.Cancel();
        Log.RuntimeStopped(logger);
    }
}

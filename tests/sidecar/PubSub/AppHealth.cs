using TestSidecar.Hosting;

namespace TestSidecar.PubSub;

/// <summary>
/// daprd's app health checks (dapr/dapr v1.18.3 pkg/apphealth/health.go, the HTTP probe of
/// pkg/channel/http/http_channel.go HealthProbe). The app starts unhealthy (the failure count starts
/// at the threshold); one probe right away, then one every interval, each cut off at the probe
/// timeout. A probe succeeds on a 2xx answer; any other status, a redirect (the app client does not
/// follow them), a connection error or the timeout is a failure. A result is recorded only when it
/// differs from the current status: a failure while healthy adds one to the count and the app turns
/// unhealthy when the count reaches the threshold; a success while unhealthy resets the count and
/// turns it healthy. So a success while healthy does not reset the count: failures add up across
/// successes until the app has been unhealthy once (reproduced on purpose). Each change is handed to
/// the callback on its own task, as daprd starts a goroutine per change.
/// </summary>
internal sealed class AppHealth(AppChannel app, AppHealthCheckOptions options, ILogger logger)
{
    private int _failures = options.Threshold;
    private Func<bool, Task>? _onChange;

    public bool IsHealthy => Volatile.Read(ref _failures) < options.Threshold;

    public AppHealthCheckOptions Options => options;

    /// <summary>Probes until <paramref name="cancellationToken"/> fires; <paramref name="onChange"/> gets true when the app turns healthy, false when it turns unhealthy.</summary>
    public async Task RunProbesAsync(Func<bool, Task> onChange, CancellationToken cancellationToken)
    {
        _onChange = onChange;
        Log.AppHealthProbesStarting(logger, options.Path, options.ProbeInterval, options.ProbeTimeout, options.Threshold);
        try
        {
            // runtime.go enqueues one probe at once; the ticker's first tick comes one interval later.
            using var ticker = new PeriodicTimer(options.ProbeInterval);
            do
            {
                await ProbeAsync(cancellationToken);
            }
            while (await ticker.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var (healthy, reason) = await app.ProbeAsync(options.Path, options.ProbeTimeout, cancellationToken);
        if (healthy != IsHealthy)
        {
            SetResult(healthy, reason);
        }
    }

    private void SetResult(bool healthy, string? reason)
    {
        if (healthy)
        {
            if (Interlocked.Exchange(ref _failures, 0) >= options.Threshold)
            {
                Log.AppEnteredHealthy(logger);
                Notify(true);
            }
            return;
        }
        if (Interlocked.Increment(ref _failures) == options.Threshold)
        {
            Log.AppEnteredUnhealthy(logger, reason ?? "");
            Notify(false);
        }
    }

    private void Notify(bool healthy)
    {
        if (_onChange is { } onChange)
        {
            _ = Task.Run(() => onChange(healthy));
        }
    }
}

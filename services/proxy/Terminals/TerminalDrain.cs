namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>
/// Graceful shutdown. ApplicationStopping fires before the server or any hosted service stops: from
/// then on new deliveries are answered RETRY (the sidecar keeps them) while in-flight work goes on.
/// StopAsync then waits for every terminal to come back, bounded by HostOptions.ShutdownTimeout.
/// </summary>
internal sealed class TerminalDrain(TerminalPool terminals, IHostApplicationLifetime lifetime, ILogger<TerminalDrain> logger)
    : IHostedService
{
    private CancellationTokenRegistration stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        stopping = lifetime.ApplicationStopping.Register(terminals.StopAccepting);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.Draining(terminals.Busy);
        try
        {
            await terminals.DrainAsync(cancellationToken);
            logger.Drained();
        }
        catch (OperationCanceledException)
        {
            logger.DrainTimedOut(terminals.Busy);
        }
        finally
        {
            await stopping.DisposeAsync();
        }
    }
}

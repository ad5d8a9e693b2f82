using System.Runtime.InteropServices;

namespace TestSidecar.Hosting;

/// <summary>
/// Takes SIGTERM and SIGINT from the host's console lifetime (dapr/kit signals: daprd's shutdown
/// signals) and hands them to <see cref="ShutdownSequence"/>, which stops the host when daprd would
/// stop its runners: after the shutdown block, if any. The console lifetime would stop the host at
/// once, and its ProcessExit handler would hold up the grace period's forced exit.
/// </summary>
internal sealed class SignalLifetime(ShutdownSequence shutdown) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var (signal, name) in new[] { (PosixSignal.SIGTERM, "terminated"), (PosixSignal.SIGINT, "interrupt") })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                shutdown.OnSignal(name);
            }));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}

using Xunit;

namespace TestSupport;

/// <summary>
/// The base of a fixture that starts a whole system (redis-server, the apps, their sidecars) once
/// for the tests of a class or collection. A machine without redis-server skips those tests locally
/// and fails them under CI=true; daprd selected but not installed skips them; a system that does not
/// start fails each of them with the reason, instead of failing the fixture.
/// </summary>
public abstract class SystemFixture<TSystem> : IAsyncLifetime
    where TSystem : class, IAsyncDisposable
{
    private TSystem? _system;
    private Exception? _startFailure;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The running system; skips or fails the calling test when there is none.</summary>
    protected TSystem Started
    {
        get
        {
            SidecarUnderTest.Current.SkipIfUnavailable();
            Requirements.RedisServerInstalled();
            if (_startFailure is not null)
            {
                Assert.Fail($"The system did not start: {_startFailure}");
            }
            return _system ?? throw new InvalidOperationException("The system was not started.");
        }
    }

    /// <summary>The system, or null when it is not running (for diagnostics).</summary>
    protected TSystem? StartedOrNull => _system;

    /// <summary>Starts the system; what it starts before it fails it stops itself.</summary>
    protected abstract Task<TSystem> StartAsync(CancellationToken cancellationToken);

    public virtual async ValueTask InitializeAsync()
    {
        if (SidecarUnderTest.Current.UnavailableReason is not null || RedisServer.FindExecutable() is null)
        {
            return;
        }
        try
        {
            _system = await StartAsync(TestContext.Current.CancellationToken);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            _startFailure = ex;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
        Http.Dispose();
        GC.SuppressFinalize(this);
    }
}

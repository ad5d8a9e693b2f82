using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>
/// The free terminals wait in a channel: taking one is acquiring it, writing it back releases it.
/// Draining on shutdown takes every terminal back, which can only finish once in-flight work has.
/// </summary>
internal sealed class TerminalPool
{
    private readonly Terminal[] terminals;
    private readonly Channel<Terminal> free;
    // Not disposed: it has no timer, lives as long as the app, and the host may stop more than once.
    private readonly CancellationTokenSource stopping = new();
    private readonly Lazy<Task> drained;
    private readonly TimeSpan acquireTimeout;
    private readonly TimeProvider time;
    private int busy;

    public TerminalPool(IOptions<TerminalOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        this.time = time;
        acquireTimeout = settings.AcquireTimeout;
        terminals = [.. Enumerable.Range(1, settings.Count).Select(n => new Terminal($"terminal-{n}", settings.ProcessingTime, time))];
        free = Channel.CreateBounded<Terminal>(terminals.Length);
        foreach (var terminal in terminals)
        {
            free.Writer.TryWrite(terminal);
        }

        drained = new Lazy<Task>(TakeEveryTerminalBackAsync);
    }

    public int Capacity => terminals.Length;

    public int Busy => Volatile.Read(ref busy);

    public bool IsStopping => stopping.IsCancellationRequested;

    // Null when no terminal came free within the acquire timeout, or the pool is stopping.
    public async Task<TerminalLease?> TryAcquireAsync(string requestId, CancellationToken cancellationToken)
    {
        if (IsStopping)
        {
            return null;
        }

        if (!free.Reader.TryRead(out var terminal))
        {
            using var timeout = new CancellationTokenSource(acquireTimeout, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, stopping.Token);
            try
            {
                terminal = await free.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }

        if (IsStopping)
        {
            free.Writer.TryWrite(terminal);
            return null;
        }

        terminal.CurrentRequestId = requestId;
        Interlocked.Increment(ref busy);
        return new TerminalLease(this, terminal);
    }

    internal void Release(Terminal terminal)
    {
        terminal.CurrentRequestId = null;
        Interlocked.Decrement(ref busy);
        free.Writer.TryWrite(terminal);
    }

    // From now on every acquire is refused; deliveries waiting for a terminal give up at once.
    public void StopAccepting() => stopping.Cancel();

    public Task DrainAsync(CancellationToken cancellationToken)
    {
        StopAccepting();
        return drained.Value.WaitAsync(cancellationToken);
    }

    public TerminalPoolState Snapshot()
    {
        TerminalState[] states = [.. terminals.Select(t => new TerminalState(t.Id, t.CurrentRequestId, t.Processed))];
        return new TerminalPoolState(Capacity, states.Count(s => s.CurrentRequestId is not null), states);
    }

    private async Task TakeEveryTerminalBackAsync()
    {
        for (var taken = 0; taken < terminals.Length; taken++)
        {
            await free.Reader.ReadAsync();
        }
    }
}

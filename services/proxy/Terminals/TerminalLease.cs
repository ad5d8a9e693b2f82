namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>One terminal lent to one request; disposing it gives the terminal back to the pool.</summary>
internal sealed class TerminalLease(TerminalPool pool, Terminal terminal) : IDisposable
{
    private int released;

    public Terminal Terminal { get; } = terminal;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            pool.Release(Terminal);
        }
    }
}

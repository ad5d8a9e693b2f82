namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>The pool as GET /terminals shows it.</summary>
internal sealed record TerminalPoolState(int Capacity, int Busy, IReadOnlyList<TerminalState> Terminals);

namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>One terminal as GET /terminals shows it.</summary>
internal sealed record TerminalState(string Id, string? CurrentRequestId, long Processed);

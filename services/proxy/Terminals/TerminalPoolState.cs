namespace ProxyService.Terminals;

internal sealed record TerminalPoolState(int Capacity, int Busy, IReadOnlyList<TerminalState> Terminals);

internal sealed record TerminalState(string Id, string? CurrentRequestId, long Processed);

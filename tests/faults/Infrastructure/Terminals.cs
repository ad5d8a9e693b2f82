using System.Net.Http.Json;

namespace Faults.Infrastructure;

/// <summary>The proxy's GET /terminals.</summary>
public sealed record Terminals(int Capacity, int Busy, IReadOnlyList<TerminalState> Pool)
{
    public static async Task<Terminals> ReadAsync(HttpClient http, Uri proxy, CancellationToken cancellationToken)
    {
        var state = await http.GetFromJsonAsync<Wire>(new Uri(proxy, PublicRoutes.Terminals), cancellationToken)
            ?? throw new InvalidOperationException("GET /terminals answered nothing");
        return new Terminals(state.Capacity, state.Busy, state.Terminals ?? []);
    }

    /// <summary>How many terminals are busy; 0 while the proxy does not answer (killed, restarting).</summary>
    public static async Task<int> BusyAsync(HttpClient http, Uri proxy, CancellationToken cancellationToken)
    {
        try
        {
            return (await ReadAsync(http, proxy, cancellationToken)).Busy;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private sealed record Wire(int Capacity, int Busy, IReadOnlyList<TerminalState>? Terminals);
}

public sealed record TerminalState(string Id, string? CurrentRequestId, long Processed);

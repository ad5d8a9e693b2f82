using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>What the proxy tells about its terminal pool.</summary>
public static class Telemetry
{
    public static async Task<TerminalPool> TerminalsAsync(HttpClient http, Uri proxy) =>
        await http.GetFromJsonAsync<TerminalPool>(new Uri(proxy, PublicRoutes.Terminals), TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException("no terminal state");

    public sealed record TerminalPool(int Capacity, int Busy, IReadOnlyList<Terminal> Terminals)
    {
        [JsonIgnore]
        public long Processed => Terminals.Sum(t => t.Processed);
    }

    public sealed record Terminal(string Id, string? CurrentRequestId, long Processed);
}

using Microsoft.AspNetCore.Http.HttpResults;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Terminals;

internal static class TerminalEndpoints
{
    public static RouteGroupBuilder MapTerminalEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/terminals")
            .WithTag("Terminals", "The proxy's pool of terminals, for operators and dashboards.");

        group.MapGet(string.Empty, GetState)
            .WithName("GetTerminals")
            .WithSummary("The terminal pool: capacity, busy terminals and what each one is doing.");

        return group;
    }

    internal static Ok<TerminalPoolState> GetState(TerminalPool terminals) => TypedResults.Ok(terminals.Snapshot());
}

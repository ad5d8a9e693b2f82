using System.Text.Json;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>
/// Shows a realistic pool in Swagger UI: one terminal busy, the others idle.
/// </summary>
internal sealed class TerminalPoolStateExample : ISchemaFilter
{
    public static readonly TerminalPoolState Example = new(4, 1,
    [
        new TerminalState("terminal-1", "0b6f3c1e-5a43-4a8e-9c3e-2f1d7a9b8c01", 1532),
        new TerminalState("terminal-2", null, 1529),
        new TerminalState("terminal-3", null, 1530),
        new TerminalState("terminal-4", null, 1527),
    ]);

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type == typeof(TerminalPoolState)
            && schema is OpenApiSchema concrete
            && JsonSerializer.SerializeToNode(Example, JsonSerializerOptions.Web) is { } example)
        {
            concrete.Examples = [example];
        }
    }
}

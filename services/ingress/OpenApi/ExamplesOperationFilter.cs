using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.Ingress.OpenApi;

/// <summary>Puts an endpoint's <see cref="OpenApiExamples"/> into its operation in the document.</summary>
internal sealed class ExamplesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var examples = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<OpenApiExamples>().FirstOrDefault();
        if (examples is null)
        {
            return;
        }

        if (examples.Request is { } request && operation.RequestBody?.Content is { } requestContent)
        {
            foreach (var media in requestContent.Values.OfType<OpenApiMediaType>())
            {
                media.Example = ToNode(request);
            }
        }

        foreach (var (status, example) in examples.Responses)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(key, out var response) == true && response.Content is { } content)
            {
                foreach (var media in content.Values.OfType<OpenApiMediaType>())
                {
                    media.Example = ToNode(example);
                }
            }
        }
    }

    private static JsonNode? ToNode(object value) => JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web);
}

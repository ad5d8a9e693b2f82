using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace IngressService.OpenApi;

// Endpoint metadata carrying example bodies for Swagger: the request body and responses by status.
internal sealed record OpenApiExamples(object? Request, IReadOnlyDictionary<int, object> Responses);

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

// How the document describes the bearer token the API requires with Authentication:Enabled, so
// Swagger UI can send one.
internal static class BearerSecurity
{
    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    public static readonly OpenApiSecurityScheme Scheme = new()
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        BearerFormat = "JWT",
        Description = "A JWT issued for Authentication:Audience.",
    };
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.ServiceDefaults;

// What every service's OpenAPI document states beyond what Swashbuckle infers from the endpoints,
// so that it passes Redocly's recommended rules (Ingress.Tests and Proxy.Tests lint it).
public static class OpenApiDocuments
{
    internal static void Configure(SwaggerGenOptions options)
    {
        options.OperationFilter<SecurityRequirementFilter>();
    }

    // The endpoint requires these credentials. Endpoints without this metadata need none, and their
    // operations say so with `security: []`.
    public static TBuilder WithSecurityScheme<TBuilder>(this TBuilder builder, string name, OpenApiSecurityScheme scheme)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OpenApiSecurityMetadata(name, scheme));
}

internal sealed record OpenApiSecurityMetadata(string Name, OpenApiSecurityScheme Scheme);

// Each operation's requirement comes from its own endpoint's metadata, so an operation is shown as
// protected exactly when its endpoint is.
internal sealed class SecurityRequirementFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var requirement = new OpenApiSecurityRequirement();
        foreach (var security in context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<OpenApiSecurityMetadata>())
        {
            context.Document.AddComponent(security.Name, security.Scheme);
            requirement[new OpenApiSecuritySchemeReference(security.Name, context.Document)] = [];
        }

        operation.Security = requirement.Count == 0 ? [] : [requirement];
    }
}

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
        // The specification's default server, stated: the API is served where the document is.
        options.AddServer(new OpenApiServer { Url = "/" });
        options.OperationFilter<SecurityRequirementFilter>();
        options.DocumentFilter<TagDescriptionFilter>();
    }

    // WithTags, and the description the document's tag list shows for it.
    public static TBuilder WithTag<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithTags(name).WithMetadata(new OpenApiTagDescription(name, description));

    // The endpoint requires these credentials. Endpoints without this metadata need none, and their
    // operations say so with `security: []`.
    public static TBuilder WithSecurityScheme<TBuilder>(this TBuilder builder, string name, OpenApiSecurityScheme scheme)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OpenApiSecurityMetadata(name, scheme));
}

internal sealed record OpenApiTagDescription(string Name, string Description);

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

internal sealed class TagDescriptionFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var descriptions = context.ApiDescriptions
            .SelectMany(api => api.ActionDescriptor.EndpointMetadata.OfType<OpenApiTagDescription>())
            .DistinctBy(tag => tag.Name)
            .ToDictionary(tag => tag.Name, tag => tag.Description, StringComparer.Ordinal);
        foreach (var tag in swaggerDoc.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (tag.Name is { } name && descriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }
}

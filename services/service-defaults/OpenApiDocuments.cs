using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// What every service's OpenAPI document states beyond what Swashbuckle infers from the endpoints,
/// so that it passes Redocly's recommended rules (Ingress.Tests and Proxy.Tests lint it).
/// </summary>
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

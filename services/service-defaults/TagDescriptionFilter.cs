using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>Fills in the description of each tag in the document from <see cref="OpenApiTagDescription"/> metadata.</summary>
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

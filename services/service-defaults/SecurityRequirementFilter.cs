using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Each operation's requirement comes from its own endpoint's metadata, so an operation is shown as
/// protected exactly when its endpoint is.
/// </summary>
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

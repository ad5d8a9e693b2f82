using Microsoft.OpenApi;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>Endpoint metadata: the credentials the endpoint requires.</summary>
internal sealed record OpenApiSecurityMetadata(string Name, OpenApiSecurityScheme Scheme);

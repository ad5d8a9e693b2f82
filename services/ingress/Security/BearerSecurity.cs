using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.OpenApi;

namespace RedisStreamDemo.Ingress.Security;

/// <summary>
/// How the document describes the bearer token the API requires with Authentication:Enabled, so
/// Swagger UI can send one.
/// </summary>
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

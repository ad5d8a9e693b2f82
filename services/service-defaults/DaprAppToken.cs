using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// When APP_API_TOKEN is set, daprd sends it as `dapr-api-token` on every call to the app; endpoints
/// only the sidecar may call (event delivery) reject anything without it.
/// </summary>
public static class DaprAppToken
{
    public const string HeaderName = "dapr-api-token";
    public const string EnvironmentVariable = "APP_API_TOKEN";
    private const string SecuritySchemeName = "DaprAppToken";

    private static readonly OpenApiSecurityScheme SecurityScheme = new()
    {
        Type = SecuritySchemeType.ApiKey,
        In = ParameterLocation.Header,
        Name = HeaderName,
        Description = "The APP_API_TOKEN the Dapr sidecar presents on every call to the app.",
    };

    public static TBuilder RequireDaprAppToken<TBuilder>(this TBuilder builder, string? expectedToken = null)
        where TBuilder : IEndpointConventionBuilder
    {
        var token = expectedToken ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(token))
        {
            return builder;
        }

        var expected = Encoding.UTF8.GetBytes(token);
        builder.AddEndpointFilter(async (context, next) =>
        {
            var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected)
                ? await next(context)
                : TypedResults.Problem(
                    title: "Missing or wrong dapr-api-token",
                    detail: "Only the Dapr sidecar may call this endpoint.",
                    statusCode: StatusCodes.Status401Unauthorized);
        });
        return builder
            .WithSecurityScheme(SecuritySchemeName, SecurityScheme)
            .WithMetadata(new ProducesResponseTypeMetadata(
                StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ["application/problem+json"]));
    }
}

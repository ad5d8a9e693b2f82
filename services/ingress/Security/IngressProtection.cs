using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Security;

/// <summary>
/// Rate limiting per client IP and optional JWT bearer authentication for the public API. Health,
/// metrics, Swagger and the sidecar's delivery route carry neither. Program.cs runs the middleware
/// (UseAuthentication, UseAuthorization, UseRateLimiter).
/// </summary>
internal static class IngressProtection
{
    public const string ApiRateLimitPolicy = "api";

    public static WebApplicationBuilder AddIngressProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RateLimitingOptions>(RateLimitingOptions.SectionName);
        builder.Services.AddValidatedOptions<JwtAuthenticationOptions>(JwtAuthenticationOptions.SectionName);

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(ApiRateLimitPolicy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
                if (!options.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter("disabled");
                }

                // Behind a reverse proxy, configure forwarded headers so this is the client's address.
                var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                http.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
                http.RequestServices.GetRequiredService<IngressMetrics>().Request(RequestOutcome.RateLimited);
                await WriteProblemAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This client sent too many requests; retry after {retryAfter} s.");
            };
        });

        // Which endpoints require a token is decided while mapping them, so this is read once here.
        builder.Services.AddAuthorization();
        var jwt = builder.Configuration.GetSection(JwtAuthenticationOptions.SectionName).Get<JwtAuthenticationOptions>()
            ?? new JwtAuthenticationOptions();
        if (jwt.Enabled)
        {
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
                .AddJwtBearer(bearer => ConfigureBearer(bearer, jwt));
        }
        else
        {
            builder.Services.AddAuthentication();
        }

        return builder;
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, JwtAuthenticationOptions jwt)
    {
        bearer.Audience = jwt.Audience;
        bearer.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
            bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        }

        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = jwt.Audience,
            ValidIssuer = jwt.Issuer,
            ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer) || !string.IsNullOrWhiteSpace(jwt.Authority),
            IssuerSigningKey = string.IsNullOrWhiteSpace(jwt.SigningKey)
                ? null
                : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
        };

        bearer.Events = new JwtBearerEvents
        {
            OnChallenge = async context =>
            {
                // Replace the empty 401 with a problem body; keep the WWW-Authenticate header.
                context.HandleResponse();
                var http = context.HttpContext;
                http.Response.Headers.WWWAuthenticate = string.IsNullOrEmpty(context.Error)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : $"{JwtBearerDefaults.AuthenticationScheme} error=\"{context.Error}\"";
                http.RequestServices.GetRequiredService<IngressMetrics>().Request(RequestOutcome.Unauthorized);
                await WriteProblemAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized",
                    "Send a valid bearer token in the Authorization header.");
            },
            OnForbidden = async context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<IngressMetrics>().Request(RequestOutcome.Unauthorized);
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                    "The bearer token does not allow this request.");
            },
        };
    }

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

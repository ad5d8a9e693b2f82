using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Ingress.Security;

/// <summary>
/// Bound from "Authentication"; named apart from ASP.NET Core's own AuthenticationOptions.
/// </summary>
internal sealed class JwtAuthenticationOptions : IValidatableObject
{
    public const string SectionName = "Authentication";

    public bool Enabled { get; set; }

    // An OpenID Connect issuer whose metadata supplies the signing keys (production).
    [Url]
    public string? Authority { get; set; }

    public string? Audience { get; set; }

    public string? Issuer { get; set; }

    // A shared HMAC key for development and tests, instead of an Authority.
    [MinLength(32)]
    public string? SigningKey { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(SigningKey))
        {
            yield return new ValidationResult(
                "Authentication is enabled: set Authentication:Authority or Authentication:SigningKey.",
                [nameof(Authority), nameof(SigningKey)]);
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("Authentication is enabled: set Authentication:Audience.", [nameof(Audience)]);
        }
    }
}

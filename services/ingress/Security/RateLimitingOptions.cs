using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Ingress.Security;

internal sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    // Token bucket per client IP: refilled by PermitsPerSecond every second, holding at most Burst.
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 200;

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 400;
}

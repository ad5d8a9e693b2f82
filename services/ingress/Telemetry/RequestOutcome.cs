namespace IngressService.Telemetry;

/// <summary>Values of the "outcome" tag on ingress.requests; dashboards filter on these exact strings.</summary>
internal static class RequestOutcome
{
    public const string Ok = "ok";
    public const string Accepted = "accepted";
    public const string Invalid = "invalid";
    public const string TimedOut = "timed_out";
    public const string RateLimited = "rate_limited";
    public const string Overloaded = "overloaded";
    public const string Unauthorized = "unauthorized";
    public const string Error = "error";

    public static readonly string[] All = [Ok, Accepted, Invalid, TimedOut, RateLimited, Overloaded, Unauthorized, Error];
}

namespace RedisStreamDemo.Ingress.Telemetry;

/// <summary>The "outcome" tag on ingress.requests (TagValues: ok, accepted, ..., timed_out, rate_limited, ...).</summary>
internal enum RequestOutcome
{
    Ok,
    Accepted,
    Invalid,
    TimedOut,
    RateLimited,
    Overloaded,
    Unauthorized,
    Error,
}

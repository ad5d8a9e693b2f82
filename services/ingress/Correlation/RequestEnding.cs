namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>How a request that will change no more ended.</summary>
internal enum RequestEnding
{
    Answered,
    DeadlinePassed,

    // It never reached the proxy (its publish failed for good, or its workflow failed).
    NotDelivered,

    // Nothing is known of it here (never taken, forgotten after the retention, or another replica's).
    Unknown,
}

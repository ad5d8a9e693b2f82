namespace RedisStreamDemo.Proxy.Telemetry;

/// <summary>Why a delivery was handed back to Dapr unprocessed: the "reason" tag on proxy.requests.retried (TagValues: busy, shutting_down, ...).</summary>
internal enum RetryReason
{
    Busy,
    ShuttingDown,
    PublishFailed,
    StoreFailed,
    Poison,
}

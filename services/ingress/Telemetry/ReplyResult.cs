namespace RedisStreamDemo.Ingress.Telemetry;

/// <summary>The "result" tag on ingress.replies.received and ingress.replies.deadlettered (TagValues: success, duplicate, drop, retry).</summary>
internal enum ReplyResult
{
    Success,
    Duplicate,
    Drop,
    Retry,
}

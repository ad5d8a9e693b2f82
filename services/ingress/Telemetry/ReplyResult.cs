namespace IngressService.Telemetry;

/// <summary>Values of the "result" tag on ingress.replies.received and ingress.replies.deadlettered.</summary>
internal static class ReplyResult
{
    public const string Success = "success";
    public const string Duplicate = "duplicate";
    public const string Drop = "drop";
    public const string Retry = "retry";

    public static readonly string[] All = [Success, Duplicate, Drop, Retry];
}

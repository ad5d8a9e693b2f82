namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Dapr's delivery contract: 200 with {"status": "SUCCESS" | "RETRY" | "DROP"}, the answer of
/// every subscription handler in both apps.
/// </summary>
public sealed record TopicResponse(string Status)
{
    public static readonly TopicResponse Success = new("SUCCESS");
    public static readonly TopicResponse Retry = new("RETRY");
    public static readonly TopicResponse Drop = new("DROP");
}

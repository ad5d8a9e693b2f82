namespace ProxyService.Requests;

// Dapr's delivery contract: 200 with {"status": "SUCCESS" | "RETRY" | "DROP"}.
internal sealed record TopicResponse(string Status)
{
    public static readonly TopicResponse Success = new("SUCCESS");
    public static readonly TopicResponse Retry = new("RETRY");
    public static readonly TopicResponse Drop = new("DROP");
}

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Names of the tags both apps put on their spans, so one query in Zipkin finds a request in
/// either app.
/// </summary>
public static class TelemetryTags
{
    public const string RequestId = "weather.request_id";
    public const string City = "weather.city";
    public const string Terminal = "weather.terminal";
    public const string Outcome = "weather.outcome";
}

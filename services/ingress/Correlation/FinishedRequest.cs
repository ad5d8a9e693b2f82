using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>
/// A finished request as a correlation mode reports it: the reply, or why there is none. The
/// forecast endpoints turn it into the HTTP answer and the outcome tag.
/// </summary>
internal readonly record struct FinishedRequest(RequestEnding Ending, WeatherReply? Reply = null, string? Reason = null)
{
    public static readonly FinishedRequest DeadlinePassed = new(RequestEnding.DeadlinePassed);
    public static readonly FinishedRequest Unknown = new(RequestEnding.Unknown);

    public static FinishedRequest Answered(WeatherReply reply) => new(RequestEnding.Answered, reply);

    public static FinishedRequest NotDelivered(string reason) => new(RequestEnding.NotDelivered, Reason: reason);
}

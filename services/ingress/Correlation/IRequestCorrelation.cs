using IngressService.Forecasts;
using IngressService.Replies;
using RedisStreamDemo.Contracts;

namespace IngressService.Correlation;

// What the forecast and reply endpoints need from a correlation mode (CorrelationOptions): hand a
// request on, wait for or look up its outcome, and take a reply delivered by the sidecar. The
// endpoints, their status codes, metrics, spans and log messages are the same in both modes.
internal interface IRequestCorrelation
{
    // Requests handed on and not yet finished on this replica (bounded by Forecasts:MaxInFlight).
    int InFlight { get; }

    Task<StartResult> StartAsync(WeatherRequest request, CancellationToken cancellationToken);

    // Completes when the request has finished; the caller bounds the wait with the token.
    // Sidecar failures surface as exceptions that ForecastEndpoints.IsTransient recognises.
    Task<FinishedForecast> WaitAsync(string requestId, CancellationToken cancellationToken);

    Task<RequestLookup> GetAsync(string requestId, CancellationToken cancellationToken);

    Task<ReplyHandling> DeliverAsync(WeatherReply reply, CancellationToken cancellationToken);
}

internal enum StartStatus
{
    Started,
    Overloaded,
    Unavailable,

    // The hand-on timed out: the request may have been taken (a workflow instance created) or not.
    // The client gets its status URL rather than an invitation to send it again as new work.
    Uncertain,
}

internal readonly record struct StartResult(StartStatus Status, Exception? Error = null)
{
    public static readonly StartResult Started = new(StartStatus.Started);
    public static readonly StartResult Overloaded = new(StartStatus.Overloaded);

    public static StartResult Unavailable(Exception error) => new(StartStatus.Unavailable, error);

    public static StartResult Uncertain(Exception error) => new(StartStatus.Uncertain, error);
}

internal enum LookupStatus
{
    Unknown,
    Pending,
    Finished,
    Unavailable,
}

internal readonly record struct RequestLookup(LookupStatus Status, FinishedForecast? Finished = null, Exception? Error = null)
{
    public static readonly RequestLookup Unknown = new(LookupStatus.Unknown);
    public static readonly RequestLookup Pending = new(LookupStatus.Pending);
}

// The ingress.replies.received result tag and the answer to the sidecar.
internal readonly record struct ReplyHandling(string Result, TopicResponse Response)
{
    public static readonly ReplyHandling Success = new(ReplyResult.Success, TopicResponse.Success);
    public static readonly ReplyHandling Duplicate = new(ReplyResult.Duplicate, TopicResponse.Success);
    public static readonly ReplyHandling Drop = new(ReplyResult.Drop, TopicResponse.Drop);
    public static readonly ReplyHandling Retry = new(ReplyResult.Retry, TopicResponse.Retry);
}

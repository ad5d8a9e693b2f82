using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>
/// What the forecast and reply endpoints need from a correlation mode (<see cref="CorrelationMode"/>):
/// hand a request on, wait for or look up how it ended, and take a reply delivered by the sidecar.
/// Answers are domain outcomes; the endpoints turn them into status codes, metrics and spans, the
/// same in both modes.
/// </summary>
internal interface IRequestCorrelation
{
    // Requests handed on and not yet finished on this replica (bounded by Correlation:MaxInFlight).
    int InFlight { get; }

    Task<StartResult> StartAsync(WeatherRequest request, CancellationToken cancellationToken);

    // Completes when the request has finished; the caller bounds the wait with the token.
    // Sidecar failures surface as exceptions that SidecarErrors.IsTransient recognises.
    Task<FinishedRequest> WaitAsync(string requestId, CancellationToken cancellationToken);

    Task<RequestLookup> GetAsync(string requestId, CancellationToken cancellationToken);

    Task<ReplyHandling> DeliverAsync(WeatherReply reply, CancellationToken cancellationToken);
}

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using RedisStreamDemo.Ingress.Correlation;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>The forecast API's problem answers, including the one for a request that finished without a reply.</summary>
internal static class ForecastProblems
{
    // The answer for a request that finished without a reply.
    public static ProblemHttpResult Finished(string requestId, FinishedRequest finished) => finished.Ending switch
    {
        RequestEnding.DeadlinePassed => DeadlinePassed(requestId),
        RequestEnding.NotDelivered => NotDelivered(requestId, finished.Reason),
        RequestEnding.Unknown => UnknownRequest(requestId),
        _ => Unreadable(),
    };

    public static ProblemHttpResult UnknownRequest(string requestId) => TypedResults.Problem(
        title: "Unknown request",
        detail: $"There is no request '{requestId}'; replies are kept for a limited time.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult DeadlinePassed(string requestId) => TypedResults.Problem(
        title: "No reply in time",
        detail: $"The forecast service did not answer request {requestId} before its deadline.",
        statusCode: StatusCodes.Status504GatewayTimeout);

    public static ProblemHttpResult NotDelivered(string requestId, string? reason) => TypedResults.Problem(
        title: "Request not delivered",
        detail: $"Request {requestId} could not be handed to the forecast service ({reason}).",
        statusCode: StatusCodes.Status502BadGateway);

    public static ProblemHttpResult Overloaded(HttpResponse response, int retryAfterSeconds) =>
        Unavailable(response, retryAfterSeconds, "Too many requests in flight",
            "This replica is waiting for too many replies; retry shortly.");

    public static ProblemHttpResult EngineUnavailable(HttpResponse response, int retryAfterSeconds) =>
        Unavailable(response, retryAfterSeconds, "Workflow engine unavailable",
            "The Dapr sidecar could not be reached; retry shortly.");

    private static ProblemHttpResult Unavailable(HttpResponse response, int retryAfterSeconds, string title, string detail)
    {
        response.Headers[HeaderNames.RetryAfter] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static ProblemHttpResult Unreadable() => TypedResults.Problem(
        title: "Unreadable result",
        detail: "The request finished without a readable result.",
        statusCode: StatusCodes.Status502BadGateway);
}

using System.Net.Sockets;
using Dapr.Workflow;
using Grpc.Core;
using IngressService.Correlation;
using IngressService.OpenApi;
using IngressService.Security;
using IngressService.Workflows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

namespace IngressService.Forecasts;

internal static partial class ForecastEndpoints
{
    public const string RoutePrefix = "/WeatherForecast";
    public const string RespondAsync = "respond-async";

    private static readonly Func<ILogger, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string>("RequestId:{RequestId}");

    public static string StatusUrl(string requestId) => $"{RoutePrefix}/requests/{requestId}";

    public static RouteGroupBuilder MapForecastEndpoints(this WebApplication app)
    {
        var group = app.MapGroup(RoutePrefix)
            .WithTag("WeatherForecast", "Ask for a city's forecast and collect the reply.")
            .RequireRateLimiting(IngressProtection.ApiRateLimitPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        if (app.Services.GetRequiredService<IOptions<JwtAuthenticationOptions>>().Value.Enabled)
        {
            group.RequireAuthorization()
                .WithSecurityScheme(BearerSecurity.SchemeName, BearerSecurity.Scheme)
                .ProducesProblem(StatusCodes.Status401Unauthorized)
                .ProducesProblem(StatusCodes.Status403Forbidden);
        }

        group.MapPost("/city", PostCity)
            .WithName("RequestCityForecast")
            .WithSummary("Asks the proxy for a forecast and waits a while for the reply.")
            .WithDescription(
                "Answers 200 with the reply when it arrives within Forecasts:ReplyWait, otherwise 202 with a " +
                "status URL. Send `Prefer: respond-async` to get the 202 at once.")
            .Accepts<CityForecastRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithMetadata(ForecastExamples.Post);

        group.MapGet("/requests/{requestId}", GetRequest)
            .WithName("GetForecastRequest")
            .WithSummary("The reply to an earlier request, once it has arrived.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithMetadata(ForecastExamples.Get);

        return group;
    }

    internal static async Task<Results<Ok<WeatherReply>, Accepted<ForecastAccepted>, ValidationProblem, ProblemHttpResult>> PostCity(
        HttpContext http,
        [FromHeader(Name = "Prefer")] string? prefer,
        [AsParameters] ForecastServices services,
        CancellationToken cancellationToken)
    {
        var (correlation, metrics, time, forecastOptions, logger) = services;

        var body = await ForecastBodyReader.ReadAsync(http.Request, cancellationToken);
        if (body.Request is not { } forecast)
        {
            metrics.Request(RequestOutcome.Invalid);
            return body.Invalid is { } invalid ? invalid : body.Problem ?? ForecastProblems.Unreadable();
        }

        var requestId = Guid.NewGuid().ToString("N");
        using var scope = RequestScope(logger, requestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.accept");
        activity?.SetTag(IngressTelemetry.RequestIdTag, requestId);
        activity?.SetTag(IngressTelemetry.CityTag, forecast.City);

        var request = new WeatherRequest(requestId, forecast.City, forecast.Location, time.GetUtcNow());
        var started = await correlation.StartAsync(request, cancellationToken);
        switch (started.Status)
        {
            case StartStatus.Overloaded:
                metrics.Request(RequestOutcome.Overloaded);
                LogOverloaded(logger, correlation.InFlight);
                return ForecastProblems.Overloaded(http.Response, forecastOptions.Value.RetryAfterSeconds);
            case StartStatus.Unavailable:
                metrics.Request(RequestOutcome.Error);
                LogScheduleFailed(logger, started.Error, requestId);
                return ForecastProblems.EngineUnavailable(http.Response, forecastOptions.Value.RetryAfterSeconds);
            case StartStatus.Uncertain:
                // The status URL answers 404 if the request was never taken, and its reply otherwise.
                LogScheduleUncertain(logger, started.Error, requestId);
                return Accept(requestId, metrics);
        }

        LogAccepted(logger, requestId, forecast.City);

        if (PrefersAsync(prefer))
        {
            http.Response.Headers["Preference-Applied"] = RespondAsync;
            return Accept(requestId, metrics);
        }

        if (forecastOptions.Value.ReplyWait <= TimeSpan.Zero)
        {
            return Accept(requestId, metrics);
        }

        using var wait = new CancellationTokenSource(forecastOptions.Value.ReplyWait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wait.Token);
        FinishedForecast finished;
        try
        {
            finished = await correlation.WaitAsync(requestId, linked.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Accept(requestId, metrics);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            // The request is handed on and will be answered; the client can poll for it.
            LogWaitFailed(logger, ex, requestId);
            return Accept(requestId, metrics);
        }

        metrics.Request(finished.Outcome);
        activity?.SetTag("weather.outcome", finished.Outcome);
        return finished.Reply is { } reply ? TypedResults.Ok(reply) : finished.Problem ?? ForecastProblems.Unreadable();
    }

    internal static async Task<Results<Ok<WeatherReply>, Accepted<ForecastAccepted>, ProblemHttpResult>> GetRequest(
        string requestId,
        HttpResponse response,
        [AsParameters] ForecastServices services,
        CancellationToken cancellationToken)
    {
        // Ids are ours (Guid "N"); anything else cannot name a request, so the sidecar is not asked.
        if (requestId.Length != 32 || !Guid.TryParseExact(requestId, "N", out _))
        {
            return ForecastProblems.UnknownRequest(requestId);
        }

        var lookup = await services.Correlation.GetAsync(requestId, cancellationToken);
        switch (lookup.Status)
        {
            case LookupStatus.Unavailable:
                LogStatusFailed(services.Logger, lookup.Error, requestId);
                return ForecastProblems.EngineUnavailable(response, services.ForecastOptions.Value.RetryAfterSeconds);
            case LookupStatus.Pending:
                response.Headers.RetryAfter = "1";
                return TypedResults.Accepted(StatusUrl(requestId), ForecastAccepted.For(requestId));
            case LookupStatus.Finished when lookup.Finished is { } finished:
                return finished.Reply is { } reply ? TypedResults.Ok(reply) : finished.Problem ?? ForecastProblems.Unreadable();
            default:
                return ForecastProblems.UnknownRequest(requestId);
        }
    }

    // RFC 7240: Prefer is a comma-separated list of preferences, each possibly with parameters.
    internal static bool PrefersAsync(string? prefer) =>
        prefer is not null && prefer.Split(',').Any(preference =>
            preference.Split(';')[0].Trim().Equals(RespondAsync, StringComparison.OrdinalIgnoreCase));

    // gRPC and HTTP failures reaching the sidecar; the client may retry.
    internal static bool IsTransient(Exception ex) => ex is RpcException or HttpRequestException or SocketException;

    internal static CancellationTokenSource SidecarCall(ForecastOptions options, CancellationToken cancellationToken)
    {
        var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(options.SidecarTimeout);
        return call;
    }

    private static Accepted<ForecastAccepted> Accept(string requestId, IngressMetrics metrics)
    {
        metrics.Request(RequestOutcome.Accepted);
        return TypedResults.Accepted(StatusUrl(requestId), ForecastAccepted.For(requestId));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduling request {RequestId} timed out; it may have been taken, so the client gets its status URL")]
    private static partial void LogScheduleUncertain(ILogger logger, Exception? exception, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted request {RequestId} for {City}")]
    private static partial void LogAccepted(ILogger logger, string requestId, string city);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request: {InFlight} requests already in flight")]
    private static partial void LogOverloaded(ILogger logger, int inFlight);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not hand on request {RequestId}")]
    private static partial void LogScheduleFailed(ILogger logger, Exception? exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the sidecar while waiting for request {RequestId}; answering 202")]
    private static partial void LogWaitFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the state of request {RequestId}")]
    private static partial void LogStatusFailed(ILogger logger, Exception? exception, string requestId);
}

internal readonly record struct FinishedForecast(WeatherReply? Reply, ProblemHttpResult? Problem, string Outcome);

internal static class ForecastStatus
{
    public static FinishedForecast Finished(string requestId, WorkflowState state, WorkflowInstanceTracker tracker)
    {
        tracker.MarkFinished(requestId);
        var result = state.RuntimeStatus == WorkflowRuntimeStatus.Completed
            ? state.ReadOutputAs<ForecastWorkflowResult>()
            : null;

        return result switch
        {
            { Outcome: ForecastOutcome.Answered, Reply: { } reply } => new(reply, null, RequestOutcome.Ok),
            { Outcome: ForecastOutcome.DeadlinePassed } => new(null, ForecastProblems.DeadlinePassed(requestId), RequestOutcome.TimedOut),
            _ => new(null, ForecastProblems.NotDelivered(requestId, state.RuntimeStatus), RequestOutcome.Error),
        };
    }
}

internal static class ForecastProblems
{
    public static ProblemHttpResult UnknownRequest(string requestId) => TypedResults.Problem(
        title: "Unknown request",
        detail: $"There is no request '{requestId}'; replies are kept for a limited time.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult DeadlinePassed(string requestId) => TypedResults.Problem(
        title: "No reply in time",
        detail: $"The forecast service did not answer request {requestId} before its deadline.",
        statusCode: StatusCodes.Status504GatewayTimeout);

    public static ProblemHttpResult NotDelivered(string requestId, WorkflowRuntimeStatus status) => TypedResults.Problem(
        title: "Request not delivered",
        detail: $"Request {requestId} could not be handed to the forecast service ({status}).",
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

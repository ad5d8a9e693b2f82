using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Security;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>
/// The public API: POST a city, get the reply or a status URL; GET the status URL. The correlation
/// mode behind IRequestCorrelation does the work; these handlers turn its outcomes into status
/// codes, the ingress.requests outcome and spans.
/// </summary>
internal static class ForecastEndpoints
{
    public const string RoutePrefix = "/WeatherForecast";

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
        IRequestCorrelation correlation,
        IngressMetrics metrics,
        TimeProvider time,
        IOptions<ForecastOptions> forecastOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(ForecastEndpoints));

        var body = await ForecastBodyReader.ReadAsync(http.Request, cancellationToken);
        if (body.Request is not { } forecast)
        {
            metrics.Request(RequestOutcome.Invalid);
            return body.Invalid is { } invalid ? invalid : body.Problem ?? ForecastProblems.Unreadable();
        }

        var requestId = Guid.NewGuid().ToString("N");
        using var scope = logger.BeginRequestScope(requestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.accept");
        activity?.SetTag(TelemetryTags.RequestId, requestId);
        activity?.SetTag(TelemetryTags.City, forecast.City);

        var request = new WeatherRequest(requestId, forecast.City, forecast.Location, time.GetUtcNow());
        var started = await correlation.StartAsync(request, cancellationToken);
        switch (started.Status)
        {
            case StartStatus.Overloaded:
                metrics.Request(RequestOutcome.Overloaded);
                logger.Overloaded(correlation.InFlight);
                return ForecastProblems.Overloaded(http.Response, forecastOptions.Value.RetryAfterSeconds);
            case StartStatus.Unavailable:
                metrics.Request(RequestOutcome.Error);
                logger.HandOnFailed(started.Error, requestId);
                return ForecastProblems.EngineUnavailable(http.Response, forecastOptions.Value.RetryAfterSeconds);
            case StartStatus.Uncertain:
                // The status URL answers 404 if the request was never taken, and its reply otherwise.
                logger.HandOnUncertain(started.Error, requestId);
                return Accept(requestId, metrics);
        }

        logger.Accepted(requestId, forecast.City);

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
        FinishedRequest finished;
        try
        {
            finished = await correlation.WaitAsync(requestId, linked.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Accept(requestId, metrics);
        }
        catch (Exception ex) when (SidecarErrors.IsTransient(ex))
        {
            // The request is handed on and will be answered; the client can poll for it.
            logger.WaitFailed(ex, requestId);
            return Accept(requestId, metrics);
        }

        var outcome = OutcomeOf(finished);
        metrics.Request(outcome);
        activity?.SetTag(TelemetryTags.Outcome, TagValues.Of(outcome));
        return finished.Reply is { } reply ? TypedResults.Ok(reply) : ForecastProblems.Finished(requestId, finished);
    }

    internal static async Task<Results<Ok<WeatherReply>, Accepted<ForecastAccepted>, ProblemHttpResult>> GetRequest(
        string requestId,
        HttpResponse response,
        IRequestCorrelation correlation,
        IOptions<ForecastOptions> forecastOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        // Ids are ours (Guid "N"); anything else cannot name a request, so the sidecar is not asked.
        if (requestId.Length != 32 || !Guid.TryParseExact(requestId, "N", out _))
        {
            return ForecastProblems.UnknownRequest(requestId);
        }

        var lookup = await correlation.GetAsync(requestId, cancellationToken);
        switch (lookup.Status)
        {
            case LookupStatus.Unavailable:
                loggers.CreateLogger(typeof(ForecastEndpoints)).StatusFailed(lookup.Error, requestId);
                return ForecastProblems.EngineUnavailable(response, forecastOptions.Value.RetryAfterSeconds);
            case LookupStatus.Pending:
                response.Headers.RetryAfter = "1";
                return TypedResults.Accepted(StatusUrl(requestId), ForecastAccepted.For(requestId));
            case LookupStatus.Finished when lookup.Finished is { } finished:
                return finished.Reply is { } reply ? TypedResults.Ok(reply) : ForecastProblems.Finished(requestId, finished);
            default:
                return ForecastProblems.UnknownRequest(requestId);
        }
    }

    public const string RespondAsync = "respond-async";

    // RFC 7240: Prefer is a comma-separated list of preferences, each possibly with parameters.
    internal static bool PrefersAsync(string? prefer) =>
        prefer is not null && prefer.Split(',').Any(preference =>
            preference.Split(';')[0].Trim().Equals(RespondAsync, StringComparison.OrdinalIgnoreCase));

    // The ingress.requests outcome of a finished request.
    internal static RequestOutcome OutcomeOf(FinishedRequest finished) => finished.Ending switch
    {
        RequestEnding.Answered when finished.Reply is not null => RequestOutcome.Ok,
        RequestEnding.DeadlinePassed => RequestOutcome.TimedOut,
        _ => RequestOutcome.Error,
    };

    private static Accepted<ForecastAccepted> Accept(string requestId, IngressMetrics metrics)
    {
        metrics.Request(RequestOutcome.Accepted);
        return TypedResults.Accepted(StatusUrl(requestId), ForecastAccepted.For(requestId));
    }
}

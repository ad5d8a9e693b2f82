using Dapr.Workflow;
using IngressService.Workflows.Activities;
using RedisStreamDemo.Contracts;

namespace IngressService.Workflows;

internal sealed record ForecastWorkflowInput(WeatherRequest Request, TimeSpan ReplyDeadline);

internal enum ForecastOutcome
{
    Answered,
    DeadlinePassed,
    PublishFailed,
}

internal sealed record ForecastWorkflowResult(ForecastOutcome Outcome, WeatherReply? Reply, DateTime FinishedAt)
{
    public static ForecastWorkflowResult Answered(WeatherReply reply, DateTime at) => new(ForecastOutcome.Answered, reply, at);

    public static ForecastWorkflowResult DeadlinePassed(DateTime at) => new(ForecastOutcome.DeadlinePassed, null, at);

    public static ForecastWorkflowResult PublishFailed(DateTime at) => new(ForecastOutcome.PublishFailed, null, at);
}

// One request, one instance (instance id = request id): publish the request, then wait for the
// proxy's reply, which the reply subscription raises as an external event.
internal sealed partial class ForecastWorkflow : Workflow<ForecastWorkflowInput, ForecastWorkflowResult>
{
    public const string ReplyEventName = "weather-reply";

    // Publishing only fails while the sidecar or broker is down; a few spaced retries ride that out.
    // Their waits (1, 2, 4, 8, 10, 10 s) outlast the pubsub's outbound circuit breaker, which fails
    // every publish fast for 15 s once it opens (components/resiliency.yaml), so a request is not
    // failed while the breaker is still open.
    internal static readonly WorkflowTaskOptions PublishRetries = new(new WorkflowRetryPolicy(
        maxNumberOfAttempts: 7,
        firstRetryInterval: TimeSpan.FromSeconds(1),
        backoffCoefficient: 2,
        maxRetryInterval: TimeSpan.FromSeconds(10)));

    public override async Task<ForecastWorkflowResult> RunAsync(WorkflowContext context, ForecastWorkflowInput input)
    {
        var logger = context.CreateReplaySafeLogger<ForecastWorkflow>();
        var requestId = input.Request.RequestId;

        try
        {
            await context.CallActivityAsync<bool>(nameof(PublishWeatherRequestActivity), input.Request, PublishRetries);
        }
        catch (WorkflowTaskFailedException ex)
        {
            LogPublishFailed(logger, requestId, ex.FailureDetails.ErrorMessage);
            return ForecastWorkflowResult.PublishFailed(context.CurrentUtcDateTime);
        }

        try
        {
            var reply = await context.WaitForExternalEventAsync<WeatherReply>(ReplyEventName, input.ReplyDeadline);
            LogReplyReceived(logger, requestId, reply.Terminal);
            return ForecastWorkflowResult.Answered(reply, context.CurrentUtcDateTime);
        }
        catch (TaskCanceledException)
        {
            LogDeadlinePassed(logger, requestId, input.ReplyDeadline);
            return ForecastWorkflowResult.DeadlinePassed(context.CurrentUtcDateTime);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} answered by terminal {Terminal}")]
    private static partial void LogReplyReceived(ILogger logger, string requestId, string terminal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} got no reply within {ReplyDeadline}")]
    private static partial void LogDeadlinePassed(ILogger logger, string requestId, TimeSpan replyDeadline);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} could not be published: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string requestId, string error);
}

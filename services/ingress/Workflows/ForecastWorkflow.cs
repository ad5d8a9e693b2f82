using Dapr.Workflow;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Workflows.Activities;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>
/// One request, one instance (instance id = request id): publish the request, then wait for the
/// proxy's reply, which the reply subscription raises as an external event.
/// </summary>
internal sealed class ForecastWorkflow : Workflow<ForecastWorkflowInput, ForecastWorkflowResult>
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
            logger.PublishFailed(requestId, ex.FailureDetails.ErrorMessage);
            return ForecastWorkflowResult.PublishFailed(context.CurrentUtcDateTime);
        }

        try
        {
            var reply = await context.WaitForExternalEventAsync<WeatherReply>(ReplyEventName, input.ReplyDeadline);
            logger.ReplyReceived(requestId, reply.Terminal);
            return ForecastWorkflowResult.Answered(reply, context.CurrentUtcDateTime);
        }
        catch (TaskCanceledException)
        {
            logger.DeadlinePassed(requestId, input.ReplyDeadline);
            return ForecastWorkflowResult.DeadlinePassed(context.CurrentUtcDateTime);
        }
    }
}

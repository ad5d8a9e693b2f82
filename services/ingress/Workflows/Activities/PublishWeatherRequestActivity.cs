using System.Diagnostics;
using Dapr.Client;
using Dapr.Workflow;
using RedisStreamDemo.Contracts;

namespace IngressService.Workflows.Activities;

// Runs after the workflow instance exists, so a reply can never arrive for an instance that is not
// there yet. Publishing twice (a retried activity) is harmless: both messages carry the same request
// id and CloudEvent id, and the reply subscription ignores replies for finished instances.
internal sealed partial class PublishWeatherRequestActivity(DaprClient dapr, ILogger<PublishWeatherRequestActivity> logger)
    : WorkflowActivity<WeatherRequest, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, WeatherRequest input)
    {
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.publish", ActivityKind.Producer);
        activity?.SetTag(IngressTelemetry.RequestIdTag, input.RequestId);
        activity?.SetTag(IngressTelemetry.CityTag, input.City);

        var metadata = new Dictionary<string, string> { ["cloudevent.id"] = input.RequestId };
        await dapr.PublishEventAsync(DaprNames.PubSub, DaprNames.Topics.WeatherRequests, input, metadata);
        LogPublished(logger, input.RequestId, DaprNames.Topics.WeatherRequests);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published request {RequestId} to {Topic}")]
    private static partial void LogPublished(ILogger logger, string requestId, string topic);
}

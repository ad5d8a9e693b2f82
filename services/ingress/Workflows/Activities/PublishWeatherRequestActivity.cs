using System.Diagnostics;
using Dapr.Client;
using Dapr.Workflow;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Workflows.Activities;

/// <summary>
/// Runs after the workflow instance exists, so a reply can never arrive for an instance that is not
/// there yet. Publishing twice (a retried activity) is harmless: both messages carry the same request
/// id and CloudEvent id, and the reply subscription ignores replies for finished instances.
/// </summary>
internal sealed class PublishWeatherRequestActivity(DaprClient dapr, ILogger<PublishWeatherRequestActivity> logger)
    : WorkflowActivity<WeatherRequest, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, WeatherRequest input)
    {
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.publish", ActivityKind.Producer);
        activity?.SetTag(TelemetryTags.RequestId, input.RequestId);
        activity?.SetTag(TelemetryTags.City, input.City);

        var metadata = new Dictionary<string, string> { ["cloudevent.id"] = input.RequestId };
        await dapr.PublishEventAsync(DaprNames.PubSub, DaprNames.Topics.WeatherRequests, input, metadata);
        logger.Published(input.RequestId, DaprNames.Topics.WeatherRequests);
        return true;
    }
}

using System.Text;
using System.Text.Json;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Replies;
using RedisStreamDemo.Ingress.Workflows;
using RedisStreamDemo.ServiceDefaults;

namespace Ingress.Tests;

public sealed class ReplyHandlerTests : IDisposable
{
    private readonly TestServices services = new();
    private readonly string requestId = Replies.NewId();

    public void Dispose() => services.Dispose();

    [Fact]
    public async Task Reply_for_unknown_instance_is_dropped()
    {
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Missing());

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("DROP", status);
        await NoEventWasRaised();
    }

    [Fact]
    public async Task Reply_for_completed_instance_is_a_duplicate_and_acknowledged()
    {
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>())
            .Returns(WorkflowStates.Of(WorkflowRuntimeStatus.Completed));

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("SUCCESS", status);
        await NoEventWasRaised();
    }

    [Fact]
    public async Task Reply_for_running_instance_raises_the_event_and_succeeds()
    {
        Assert.True(services.Tracker.TryTrack(requestId));
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Running());

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("SUCCESS", status);
        await services.Workflows.Received(1).RaiseEventAsync(
            requestId, ForecastWorkflow.ReplyEventName,
            Arg.Is<object>(payload => ((WeatherReply)payload).RequestId == requestId), Arg.Any<CancellationToken>());
        Assert.Equal(0, services.Tracker.InFlight);
    }

    [Fact]
    public async Task Reply_for_an_instance_this_replica_is_waiting_for_raises_the_event_without_asking_its_state()
    {
        Assert.True(services.Tracker.TryTrack(requestId));

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("SUCCESS", status);
        await services.Workflows.DidNotReceive().GetWorkflowStateAsync(Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>());
        await services.Workflows.Received(1).RaiseEventAsync(requestId, ForecastWorkflow.ReplyEventName, Arg.Any<object>(), Arg.Any<CancellationToken>());
        Assert.Equal(0, services.Tracker.InFlight);
    }

    [Fact]
    public async Task Reply_whose_direct_raise_fails_is_checked_against_the_instance_state()
    {
        Assert.True(services.Tracker.TryTrack(requestId));
        services.Workflows.RaiseEventAsync(requestId, Arg.Any<string>(), Arg.Any<object>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new RpcException(new Status(StatusCode.FailedPrecondition, "instance completed")));
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>())
            .Returns(WorkflowStates.Of(WorkflowRuntimeStatus.Completed));

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("SUCCESS", status);
        await services.Workflows.Received(1).GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Reply_while_the_workflow_engine_is_unavailable_asks_for_redelivery()
    {
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Running());
        services.Workflows.RaiseEventAsync(requestId, Arg.Any<string>(), Arg.Any<object>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new RpcException(new Status(StatusCode.Unavailable, "no workflow worker connected")));

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("RETRY", status);
    }

    [Fact]
    public async Task Reply_when_the_sidecar_is_unreachable_asks_for_redelivery()
    {
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>())
            .ThrowsAsync(new HttpRequestException("connection refused"));

        var status = await DeliverAsync(Replies.For(requestId));

        Assert.Equal("RETRY", status);
    }

    [Fact]
    public async Task Reply_when_the_sidecar_does_not_answer_in_time_asks_for_redelivery()
    {
        services.Workflows.GetWorkflowStateAsync(requestId, false, Arg.Any<CancellationToken>())
            .Returns(call => HttpHelpers.NeverFinishes(call.ArgAt<CancellationToken>(2)));

        var status = await DeliverAsync(Replies.For(requestId), new CorrelationOptions { SidecarTimeout = TimeSpan.FromMilliseconds(100) });

        Assert.Equal("RETRY", status);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"requestId\": 42}")]
    [InlineData("{\"requestId\": \"not-a-guid\", \"city\": \"Oslo\", \"terminal\": \"t\", \"forecasts\": []}")]
    [InlineData("null")]
    public async Task Unparseable_reply_is_dropped(string body)
    {
        var status = await DeliverAsync(body);

        Assert.Equal("DROP", status);
        await services.Workflows.DidNotReceive().GetWorkflowStateAsync(
            Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>());
    }

    private Task NoEventWasRaised() => services.Workflows.DidNotReceive().RaiseEventAsync(
        Arg.Any<string>(), Arg.Any<string>(), Arg.Any<object>(), Arg.Any<CancellationToken>());

    private Task<string> DeliverAsync(WeatherReply reply, CorrelationOptions? options = null) =>
        DeliverAsync(JsonSerializer.Serialize(reply, JsonSerializerOptions.Web), options);

    private async Task<string> DeliverAsync(string body, CorrelationOptions? options = null)
    {
        var http = new DefaultHttpContext();
        http.Request.ContentType = "application/json";
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));

        var result = await ReplyEndpoints.Handle(
            http.Request, services.Correlation(options), services.Metrics, NullLoggerFactory.Instance, TestContext.Current.CancellationToken);

        return Assert.IsType<TopicResponse>(result.Value).Status;
    }
}

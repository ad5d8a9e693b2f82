using Dapr.Workflow;
using Ingress.Tests.Support;
using IngressService.Workflows;
using IngressService.Workflows.Activities;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Contracts;

namespace Ingress.Tests;

public sealed class ForecastWorkflowTests
{
    private static readonly DateTime Now = new(2026, 1, 14, 9, 0, 0, DateTimeKind.Utc);

    private readonly WorkflowContext context = Substitute.For<WorkflowContext>();
    private readonly ForecastWorkflowInput input = new(
        new WeatherRequest(Replies.NewId(), "Oslo", null, Now),
        TimeSpan.FromMinutes(5));

    public ForecastWorkflowTests() => context.CurrentUtcDateTime.Returns(Now);

    [Fact]
    public async Task Reply_before_the_deadline_completes_with_the_reply()
    {
        var reply = Replies.For(input.Request.RequestId);
        context.WaitForExternalEventAsync<WeatherReply>(ForecastWorkflow.ReplyEventName, input.ReplyDeadline).Returns(reply);

        var result = await new ForecastWorkflow().RunAsync(context, input);

        Assert.Equal(ForecastOutcome.Answered, result.Outcome);
        Assert.Same(reply, result.Reply);
    }

    [Fact]
    public async Task Deadline_passing_without_a_reply_completes_as_timed_out()
    {
        context.WaitForExternalEventAsync<WeatherReply>(ForecastWorkflow.ReplyEventName, input.ReplyDeadline)
            .ThrowsAsync(new TaskCanceledException());

        var result = await new ForecastWorkflow().RunAsync(context, input);

        Assert.Equal(ForecastOutcome.DeadlinePassed, result.Outcome);
        Assert.Null(result.Reply);
        Assert.Equal(Now, result.FinishedAt);
    }

    [Fact]
    public async Task Request_is_published_once_by_the_activity_before_waiting()
    {
        var order = new List<string>();
        context.CallActivityAsync<bool>(Arg.Any<string>(), Arg.Any<object>(), Arg.Any<WorkflowTaskOptions>())
            .Returns(true).AndDoes(_ => order.Add("publish"));
        context.WaitForExternalEventAsync<WeatherReply>(Arg.Any<string>(), Arg.Any<TimeSpan>())
            .Returns(Replies.For(input.Request.RequestId)).AndDoes(_ => order.Add("wait"));

        await new ForecastWorkflow().RunAsync(context, input);

        await context.Received(1).CallActivityAsync<bool>(
            nameof(PublishWeatherRequestActivity), input.Request, Arg.Any<WorkflowTaskOptions>());
        Assert.Equal(["publish", "wait"], order);
    }

    [Fact]
    public async Task Activity_failing_after_retries_completes_as_publish_failed()
    {
        context.CallActivityAsync<bool>(Arg.Any<string>(), Arg.Any<object>(), Arg.Any<WorkflowTaskOptions>())
            .ThrowsAsync(new WorkflowTaskFailedException("failed", new WorkflowTaskFailureDetails("RpcException", "unavailable", null)));

        var result = await new ForecastWorkflow().RunAsync(context, input);

        Assert.Equal(ForecastOutcome.PublishFailed, result.Outcome);
        await context.DidNotReceive().WaitForExternalEventAsync<WeatherReply>(Arg.Any<string>(), Arg.Any<TimeSpan>());
    }
}

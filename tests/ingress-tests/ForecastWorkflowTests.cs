using Dapr.Workflow;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Ingress.Workflows;
using RedisStreamDemo.Ingress.Workflows.Activities;

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

    // Once the outbound breaker opens, daprd fails every publish fast for its timeout
    // (dapr/dapr pkg/resiliency/breaker): the activity's retries must still be waiting after that.
    [Fact]
    public void The_publish_retries_outlast_the_outbound_circuit_breakers_open_time()
    {
        var resiliency = File.ReadAllText(Path.Combine(TestSupport.ResourcesFolder.ComponentsDirectory, "resiliency.yaml"));
        var breaker = System.Text.RegularExpressions.Regex.Match(resiliency, @"circuitBreakers:\s+\w+:(?:\s+\w+: .+)*?\s+timeout: (\d+)s", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        Assert.True(breaker.Success, "components/resiliency.yaml has no circuit breaker timeout");
        var open = TimeSpan.FromSeconds(int.Parse(breaker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var policy = ForecastWorkflow.PublishRetries.RetryPolicy!;

        var waits = TimeSpan.Zero;
        var interval = policy.FirstRetryInterval;
        for (var retry = 1; retry < policy.MaxNumberOfAttempts; retry++)
        {
            waits += interval;
            interval = TimeSpan.FromTicks(Math.Min((long)(interval.Ticks * policy.BackoffCoefficient), (policy.MaxRetryInterval ?? TimeSpan.MaxValue).Ticks));
        }

        Assert.True(waits > open + TimeSpan.FromSeconds(5), $"the publish retries wait {waits.TotalSeconds} s in all; the breaker stays open {open.TotalSeconds} s");
    }
}

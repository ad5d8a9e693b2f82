using Dapr.Workflow;
using Grpc.Core;
using Ingress.Tests.Support;
using IngressService.Forecasts;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Ingress.Tests;

public sealed class WorkflowPurgingTests : IDisposable
{
    private readonly TestServices services = new(new ForecastOptions { MaxInFlight = 2 });

    public void Dispose() => services.Dispose();

    [Fact]
    public async Task Finished_instance_is_purged_only_after_the_retention()
    {
        var id = Replies.NewId();
        services.Tracker.TryTrack(id);
        services.Workflows.GetWorkflowStateAsync(id, false, Arg.Any<CancellationToken>())
            .Returns(WorkflowStates.Of(WorkflowRuntimeStatus.Completed));
        var cancellation = TestContext.Current.CancellationToken;

        await services.Purger.SweepAsync(cancellation);
        services.Clock.Advance(services.WorkflowOptions.Retention - TimeSpan.FromSeconds(1));
        await services.Purger.SweepAsync(cancellation);
        await services.Workflows.DidNotReceive().PurgeInstanceAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());

        services.Clock.Advance(TimeSpan.FromSeconds(1));
        await services.Purger.SweepAsync(cancellation);

        await services.Workflows.Received(1).PurgeInstanceAsync(id, Arg.Any<CancellationToken>());
        Assert.Equal(0, services.Tracker.Count);
        Assert.Equal(0, services.Tracker.InFlight);
    }

    [Fact]
    public async Task Running_instance_is_neither_purged_nor_released()
    {
        var id = Replies.NewId();
        services.Tracker.TryTrack(id);
        services.Workflows.GetWorkflowStateAsync(id, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Running());
        services.Clock.Advance(TimeSpan.FromHours(1));

        await services.Purger.SweepAsync(TestContext.Current.CancellationToken);

        await services.Workflows.DidNotReceive().PurgeInstanceAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal(1, services.Tracker.InFlight);
    }

    [Fact]
    public async Task Unreachable_sidecar_interrupts_the_sweep_without_throwing()
    {
        services.Tracker.TryTrack(Replies.NewId());
        services.Workflows.GetWorkflowStateAsync(Arg.Any<string>(), false, Arg.Any<CancellationToken>())
            .ThrowsAsync(new RpcException(new Status(StatusCode.Unavailable, "down")));

        await services.Purger.SweepAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, services.Tracker.Count);
    }

    [Fact]
    public void Tracking_stops_at_max_in_flight_and_resumes_when_one_finishes()
    {
        var first = Replies.NewId();
        Assert.True(services.Tracker.TryTrack(first));
        Assert.True(services.Tracker.TryTrack(Replies.NewId()));
        Assert.False(services.Tracker.TryTrack(Replies.NewId()));

        services.Tracker.MarkFinished(first);
        services.Tracker.MarkFinished(first);

        Assert.Equal(1, services.Tracker.InFlight);
        Assert.True(services.Tracker.TryTrack(Replies.NewId()));
    }
}

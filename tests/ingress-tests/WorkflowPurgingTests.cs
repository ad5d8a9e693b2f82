using Dapr.Workflow;
using Grpc.Core;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Ingress.Correlation;

namespace Ingress.Tests;

public sealed class WorkflowPurgingTests : IDisposable
{
    private readonly TestServices services = new(new CorrelationOptions { MaxInFlight = 2 });

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
        services.Clock.Advance(services.CorrelationOptions.Retention - TimeSpan.FromSeconds(1));
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

    // daprd answers a purge of an instance it no longer has with "no such instance exists" (gRPC
    // Unknown): Dapr's state retention policy or another replica purged it first.
    [Fact]
    public async Task An_instance_already_purged_elsewhere_is_forgotten_and_the_sweep_goes_on()
    {
        var next = await SweepWhereTheFirstPurgeFailsAsync(StatusCode.Unknown, "unable to purge orchestration: no such instance exists");

        await services.Workflows.Received(1).PurgeInstanceAsync(next, Arg.Any<CancellationToken>());
        Assert.Equal(0, services.Tracker.Count);
    }

    [Fact]
    public async Task One_instance_that_cannot_be_purged_does_not_stop_the_others()
    {
        var next = await SweepWhereTheFirstPurgeFailsAsync(StatusCode.FailedPrecondition, "instance is still running");

        await services.Workflows.Received(1).PurgeInstanceAsync(next, Arg.Any<CancellationToken>());
        // Kept, to be tried again at the next sweep.
        Assert.Equal(1, services.Tracker.Count);
    }

    [Fact]
    public async Task A_sidecar_that_stops_answering_mid_sweep_stops_the_sweep()
    {
        var (first, second) = TwoFinishedPastTheRetention();
        services.Workflows.PurgeInstanceAsync(Arg.Any<string>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new RpcException(new Status(StatusCode.Unavailable, "down")));

        await services.Purger.SweepAsync(TestContext.Current.CancellationToken);

        await services.Workflows.Received(1).PurgeInstanceAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.Equal(2, services.Tracker.Count);
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

    // One sweep over two finished instances, the first of whose purge daprd refuses with this status;
    // returns the second.
    private async Task<string> SweepWhereTheFirstPurgeFailsAsync(StatusCode status, string detail)
    {
        var (failing, next) = TwoFinishedPastTheRetention();
        services.Workflows.PurgeInstanceAsync(failing, Arg.Any<CancellationToken>())
            .ThrowsAsync(new RpcException(new Status(status, detail)));

        await services.Purger.SweepAsync(TestContext.Current.CancellationToken);
        return next;
    }

    // Two instances this replica scheduled, both finished and kept for the whole retention.
    private (string First, string Second) TwoFinishedPastTheRetention()
    {
        var first = Replies.NewId();
        var second = Replies.NewId();
        services.Tracker.TryTrack(first);
        services.Tracker.TryTrack(second);
        services.Tracker.MarkFinished(first);
        services.Tracker.MarkFinished(second);
        services.Clock.Advance(services.CorrelationOptions.Retention);
        return (first, second);
    }
}

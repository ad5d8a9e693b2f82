using Microsoft.Extensions.Options;
using RedisStreamDemo.Proxy.Terminals;

namespace Proxy.Tests;

public sealed class TerminalPoolTests
{
    private static TerminalPool Pool(int count, TimeSpan? processingTime = null, TimeSpan? acquireTimeout = null) =>
        new(Options.Create(new TerminalOptions
        {
            Count = count,
            ProcessingTime = processingTime ?? TimeSpan.Zero,
            AcquireTimeout = acquireTimeout ?? TestData.Timeout,
        }), TimeProvider.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Terminals_are_named_terminal_1_to_count_and_start_idle()
    {
        var pool = Pool(3);

        var state = pool.Snapshot();

        Assert.Equal(3, state.Capacity);
        Assert.Equal(0, state.Busy);
        Assert.Equal(["terminal-1", "terminal-2", "terminal-3"], state.Terminals.Select(t => t.Id));
        Assert.All(state.Terminals, t => Assert.Null(t.CurrentRequestId));
    }

    [Fact]
    public async Task Never_more_than_count_requests_run_at_once()
    {
        var pool = Pool(3, processingTime: TimeSpan.FromMilliseconds(5));
        var running = 0;
        var maxRunning = 0;

        async Task ProcessOneAsync(int n)
        {
            using var lease = await pool.TryAcquireAsync($"request-{n}", Ct);
            Assert.NotNull(lease);
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await lease.Terminal.ProcessAsync(TestData.Request($"request-{n}"), Ct);
            Interlocked.Decrement(ref running);
        }

        await Task.WhenAll(Enumerable.Range(0, 30).Select(ProcessOneAsync)).WaitAsync(TestData.Timeout, Ct);

        Assert.Equal(3, maxRunning);
        Assert.Equal(30, pool.Snapshot().Terminals.Sum(t => t.Processed));
        Assert.Equal(0, pool.Busy);
    }

    [Fact]
    public async Task Busy_pool_refuses_a_request_once_the_acquire_timeout_has_passed()
    {
        var pool = Pool(1, acquireTimeout: TimeSpan.FromMilliseconds(100));
        using var holder = await pool.TryAcquireAsync("holder", Ct);
        var started = TimeProvider.System.GetTimestamp();

        var refused = await pool.TryAcquireAsync("waiting", Ct).WaitAsync(TestData.Timeout, Ct);

        Assert.Null(refused);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(90), "it should wait before refusing");
    }

    [Fact]
    public async Task A_released_terminal_goes_to_a_waiting_request()
    {
        var pool = Pool(1);
        var holder = await pool.TryAcquireAsync("holder", Ct);
        Assert.NotNull(holder);

        var waiting = pool.TryAcquireAsync("waiting", Ct);
        Assert.False(waiting.IsCompleted);
        holder.Dispose();
        using var lease = await waiting.WaitAsync(TestData.Timeout, Ct);

        Assert.NotNull(lease);
        Assert.Equal("waiting", pool.Snapshot().Terminals.Single().CurrentRequestId);
    }

    [Fact]
    public async Task Snapshot_shows_busy_terminals_their_requests_and_processed_counts()
    {
        var pool = Pool(2);
        using (var first = await pool.TryAcquireAsync("request-1", Ct))
        {
            Assert.NotNull(first);
            await first.Terminal.ProcessAsync(TestData.Request("request-1"), Ct);
        }

        using var second = await pool.TryAcquireAsync("request-2", Ct);
        var state = pool.Snapshot();

        Assert.Equal(2, state.Capacity);
        Assert.Equal(1, state.Busy);
        Assert.Equal(1, pool.Busy);
        Assert.Equal(new TerminalState("terminal-1", null, 1), state.Terminals[0]);
        Assert.Equal(new TerminalState("terminal-2", "request-2", 0), state.Terminals[1]);
    }

    [Fact]
    public async Task Releasing_a_lease_twice_frees_its_terminal_once()
    {
        var pool = Pool(1);
        var lease = await pool.TryAcquireAsync("request-1", Ct);
        Assert.NotNull(lease);

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(0, pool.Busy);
        using var next = await pool.TryAcquireAsync("request-2", Ct);
        Assert.NotNull(next);
        Assert.Equal(1, pool.Busy);
    }

    [Fact]
    public async Task Shutdown_waits_for_in_flight_work_and_refuses_new_requests()
    {
        var pool = Pool(2);
        var inFlight = await pool.TryAcquireAsync("in-flight", Ct);
        Assert.NotNull(inFlight);

        var drained = pool.DrainAsync(Ct);

        Assert.False(drained.IsCompleted);
        Assert.True(pool.IsStopping);
        Assert.Null(await pool.TryAcquireAsync("new", Ct).WaitAsync(TestData.Timeout, Ct));

        inFlight.Dispose();
        await drained.WaitAsync(TestData.Timeout, Ct);
        Assert.Equal(0, pool.Busy);
    }

    [Fact]
    public async Task Stopping_wakes_requests_waiting_for_a_terminal()
    {
        var pool = Pool(1, acquireTimeout: TimeSpan.FromMinutes(1));
        using var holder = await pool.TryAcquireAsync("holder", Ct);
        var waiting = pool.TryAcquireAsync("waiting", Ct);

        pool.StopAccepting();

        Assert.Null(await waiting.WaitAsync(TestData.Timeout, Ct));
    }

    [Fact]
    public async Task Drain_gives_up_when_the_shutdown_timeout_runs_out()
    {
        var pool = Pool(1);
        using var stuck = await pool.TryAcquireAsync("stuck", Ct);
        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => pool.DrainAsync(shutdownTimeout.Token).WaitAsync(TestData.Timeout, Ct));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

using System.Diagnostics;
using Xunit;

namespace TestSupport;

/// <summary>Polling with a deadline: every wait ends, with a message saying what never happened.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Probes until <paramref name="done"/> holds and returns that value; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<T> Until<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<string>? diagnostics = null, TimeSpan? interval = null)
    {
        var last = await LastSeen(probe, done, timeout, interval);
        if (!done(last))
        {
            Assert.Fail($"Not within {timeout.TotalSeconds:0.#} s: {what} (last seen: {last}).{(diagnostics is null ? "" : Environment.NewLine + diagnostics())}");
        }
        return last;
    }

    public static Task Until(Func<Task<bool>> probe, TimeSpan timeout, string what, Func<string>? diagnostics = null, TimeSpan? interval = null) =>
        Until(probe, ok => ok, timeout, what, diagnostics, interval);

    public static Task Until(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        Until(() => Task.FromResult(condition()), ok => ok, timeout, what, interval: interval);

    /// <summary>
    /// Probes until <paramref name="done"/> holds or <paramref name="timeout"/> passes and returns the
    /// last value either way, for a test that asserts on what was seen rather than on the wait.
    /// </summary>
    public static async Task<T> LastSeen<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        cancellationToken = TestCancellation.Or(cancellationToken);
        while (true)
        {
            var last = await probe();
            if (done(last) || Stopwatch.GetElapsedTime(started) >= timeout)
            {
                return last;
            }
            await Task.Delay(interval ?? DefaultInterval, cancellationToken);
        }
    }
}

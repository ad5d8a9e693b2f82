namespace EndToEnd.Tests.Infrastructure;

/// <summary>Polling with a deadline: every wait in these tests ends, with a message saying what never happened.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var cancellationToken = TestContext.Current.CancellationToken;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            if (DateTime.UtcNow >= deadline)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
        Assert.Fail($"Not within {timeout.TotalSeconds:0} s: {what} (last seen: {last}).{(diagnostics is null ? "" : Environment.NewLine + diagnostics())}");
        return last;
    }

    public static Task Until(Func<Task<bool>> probe, TimeSpan timeout, string what, Func<string>? diagnostics = null) =>
        Until(probe, ok => ok, timeout, what, diagnostics);
}

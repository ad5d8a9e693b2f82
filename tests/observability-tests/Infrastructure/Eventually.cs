namespace Observability.Tests.Infrastructure;

/// <summary>Polling with a deadline: every wait ends, with a message saying what never happened.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var cancellationToken = TestContext.Current.CancellationToken;
        while (true)
        {
            var last = await probe();
            if (done(last) || DateTime.UtcNow >= deadline)
            {
                return last;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}

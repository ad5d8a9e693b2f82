namespace Ingress.Tests.Support;

internal static class Poll
{
    // Polls until the condition holds; fails the test after the timeout.
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Condition not met within {timeout}.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}

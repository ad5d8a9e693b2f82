namespace Proxy.Tests.Support;

internal static class Poll
{
    public static async Task Until(Func<bool> condition, string because)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(TestData.Timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"Timed out waiting: {because}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}

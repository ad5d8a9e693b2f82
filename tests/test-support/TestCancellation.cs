using Xunit;

namespace TestSupport;

internal static class TestCancellation
{
    /// <summary>The token given, or the running test's when none is (outside a test, none).</summary>
    public static CancellationToken Or(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? cancellationToken : TestContext.Current.CancellationToken;
}

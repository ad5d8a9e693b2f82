using RedisStreamDemo.Stack;
using TestSupport;

namespace Launcher.Tests;

/// <summary>The stack's command line, read by TestSupport.CommandLine with the shared exit codes.</summary>
public sealed class StackArgumentsTests
{
    [Fact]
    public void Help_prints_the_usage_and_ends_with_0()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var (arguments, exit) = StackArguments.Parse(["--help"], output, error);

        Assert.Null(arguments);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("--free-ports", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(error.ToString());
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--redis", "no-port")]
    [InlineData("--env", "NOEQUALS")]
    [InlineData("--file")]
    public void Bad_usage_says_why_and_ends_with_64(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var (arguments, exit) = StackArguments.Parse(args, output, error);

        Assert.Null(arguments);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void Environment_goes_to_every_app_or_to_the_app_named()
    {
        var (arguments, exit) = StackArguments.Parse(
            ["--free-ports", "--env", "A=1", "--env", "proxy:B=2=3", "--redis", "localhost:6379"], TextWriter.Null, TextWriter.Null);

        Assert.Null(exit);
        Assert.NotNull(arguments);
        Assert.True(arguments.FreePorts);
        Assert.Equal("localhost:6379", arguments.Redis);
        Assert.Equal("1", arguments.Environment["A"]);
        Assert.Equal("2=3", arguments.AppEnvironment["proxy"]["B"]);
    }
}

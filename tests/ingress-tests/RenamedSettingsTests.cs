using Microsoft.Extensions.Configuration;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Workflows;

namespace Ingress.Tests;

// The settings both correlation modes share moved to Correlation:*; deployments that still set the
// old keys (Forecasts:MaxInFlight, Workflows:Retention, ...) keep working.
public sealed class RenamedSettingsTests
{
    private static CorrelationOptions Bind(params Dictionary<string, string?>[] sourcesLowestFirst)
    {
        var builder = new ConfigurationBuilder();
        foreach (var source in sourcesLowestFirst)
        {
            builder.AddInMemoryCollection(source);
        }

        var configuration = builder.Build();
        var options = configuration.GetSection(CorrelationOptions.SectionName).Get<CorrelationOptions>() ?? new CorrelationOptions();
        RenamedSettings.Apply(options, configuration);
        return options;
    }

    [Fact]
    public void An_old_key_alone_is_read()
    {
        var options = Bind(new Dictionary<string, string?> { ["Forecasts:MaxInFlight"] = "7", ["Workflows:Retention"] = "00:00:02" });

        Assert.Equal(7, options.MaxInFlight);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Retention);
    }

    [Fact]
    public void An_old_key_from_a_source_of_higher_priority_overrides_the_new_one()
    {
        // appsettings.json names the new key; an environment variable still uses the old one.
        var options = Bind(
            new Dictionary<string, string?> { ["Correlation:Retention"] = "00:10:00", ["Correlation:SidecarTimeout"] = "00:00:05" },
            new Dictionary<string, string?> { ["Workflows:Retention"] = "00:00:02", ["Forecasts:SidecarTimeout"] = "00:00:01" });

        Assert.Equal(TimeSpan.FromSeconds(2), options.Retention);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SidecarTimeout);
    }

    [Fact]
    public void The_new_key_wins_over_an_old_one_of_lower_or_equal_priority()
    {
        var options = Bind(
            new Dictionary<string, string?> { ["Workflows:ReplyDeadline"] = "00:00:09", ["Workflows:MaxTracked"] = "5" },
            new Dictionary<string, string?> { ["Correlation:ReplyDeadline"] = "00:00:03", ["Correlation:MaxTracked"] = "6", ["Forecasts:MaxInFlight"] = "8", ["Correlation:MaxInFlight"] = "4" });

        Assert.Equal(TimeSpan.FromSeconds(3), options.ReplyDeadline);
        Assert.Equal(6, options.MaxTracked);
        Assert.Equal(4, options.MaxInFlight);
    }

    [Fact]
    public async Task The_running_ingress_reads_an_old_key_set_by_its_host()
    {
        await using var factory = new IngressFactory().With("Forecasts:ReplyWait", "00:00:00").With("Workflows:ReplyDeadline", "00:03:00");
        var client = factory.CreateClient();

        using var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await factory.Workflows.Received(1).ScheduleNewWorkflowAsync(
            nameof(ForecastWorkflow),
            Arg.Any<string>(),
            Arg.Is<ForecastWorkflowInput>(input => input.ReplyDeadline == TimeSpan.FromMinutes(3)),
            null,
            Arg.Any<CancellationToken>());
    }
}

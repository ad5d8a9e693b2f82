using System.Globalization;
using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace Deployment.Tests;

// The delivery budget as daprd really runs it. dapr/dapr pkg/resiliency/resiliency.go builds each
// retry from dapr/kit retry.DefaultConfig() and only the fields of the Retry type
// (pkg/apis/resiliency/v1alpha1/types.go), so an exponential retry always waits 500 ms x 1.5^n,
// capped at maxInterval, randomized by +/-50% (cenkalti/backoff); pkg/resiliency/policy.go applies
// the timeout to each attempt. Every wait at its longest plus every attempt at its timeout must stay
// below the pubsub's processingTimeout, or pubsub.redis reclaims the entry and delivers it twice.
public sealed class ResiliencyBudgetTests
{
    private static readonly TimeSpan DaprKitInitialInterval = TimeSpan.FromMilliseconds(500);
    private const double DaprKitMultiplier = 1.5;
    private const double DaprKitRandomization = 0.5;

    public static TheoryData<string> Folders() => new(["components", "deploy/compose/components", "k8s/base"]);

    private static IReadOnlyList<object?> ResourcesIn(string folder) => DaprResources.In(folder.Split('/'));

    [Theory]
    [MemberData(nameof(Folders))]
    public void Retry_policies_use_only_the_fields_of_daprs_retry_type(string folder)
    {
        string[] fields = ["policy", "duration", "maxInterval", "maxRetries", "matching"];
        var resiliency = DaprResources.Named(ResourcesIn(folder), "Resiliency", "resiliency");
        foreach (var (name, policy) in resiliency.Map("spec", "policies", "retries"))
        {
            var unknown = policy.Map().Keys.Except(fields).ToList();
            Assert.True(unknown.Count == 0, $"{folder}: retry {name} has {string.Join(", ", unknown)}, which daprd drops (self-hosted) or the API server rejects (Kubernetes).");
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Every_delivery_attempt_has_a_timeout_and_the_whole_retry_budget_ends_before_processingTimeout(string folder)
    {
        var resources = ResourcesIn(folder);
        var resiliency = DaprResources.Named(resources, "Resiliency", "resiliency");
        var inbound = resiliency.At("spec", "targets", "components", DaprNames.PubSub, "inbound");
        var timeoutName = inbound.Text("timeout");
        Assert.False(timeoutName is null, $"{folder}: the pubsub's inbound target has no timeout; daprd's HTTP client to the app has none, so a hung handler holds a delivery worker forever.");
        var attemptTimeout = Duration(resiliency.Text("spec", "policies", "timeouts", timeoutName!) ?? timeoutName!);
        var retry = resiliency.At("spec", "policies", "retries", inbound.Text("retry")!);
        var processingTimeout = Duration(DaprResources.Metadata(DaprResources.Named(resources, "Component", DaprNames.PubSub))["processingTimeout"]);

        var worst = WorstCaseWaits(retry) + (attempts(retry) * attemptTimeout);

        Assert.True(worst < processingTimeout, $"{folder}: deliveries may take {worst.TotalSeconds:0.0} s (waits at +50% jitter plus {attempts(retry)} attempts of {attemptTimeout.TotalSeconds:0} s), not below processingTimeout {processingTimeout.TotalSeconds:0} s.");

        static int attempts(object? retry) => int.Parse(retry.Text("maxRetries")!, CultureInfo.InvariantCulture) + 1;
    }

    [Fact]
    public void The_proxys_own_worst_path_answers_before_daprd_cuts_the_delivery_off()
    {
        var resiliency = DaprResources.Named(ResourcesIn("components"), "Resiliency", "resiliency");
        var timeoutName = resiliency.Text("spec", "targets", "components", DaprNames.PubSub, "inbound", "timeout")!;
        var attemptTimeout = Duration(resiliency.Text("spec", "policies", "timeouts", timeoutName) ?? timeoutName);
        using var settings = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("services", "proxy", "appsettings.json")));
        TimeSpan Setting(string section, string key) => TimeSpan.Parse(settings.RootElement.GetProperty(section).GetProperty(key).GetString()!, CultureInfo.InvariantCulture);

        // Terminal acquire, reply-store read, terminal work, reply-store save, publish.
        var path = Setting("Terminals", "AcquireTimeout") + Setting("Replies", "StoreTimeout") + Setting("Terminals", "ProcessingTime")
            + Setting("Replies", "StoreTimeout") + Setting("Replies", "PublishTimeout");

        Assert.True(path < attemptTimeout, $"the proxy's slowest delivery takes {path.TotalSeconds:0.0} s, not below the delivery timeout {attemptTimeout.TotalSeconds:0} s");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Only_component_targets_are_set_since_neither_app_uses_service_invocation(string folder)
    {
        var resiliency = DaprResources.Named(ResourcesIn(folder), "Resiliency", "resiliency");

        Assert.Equal(["components"], resiliency.Map("spec", "targets").Keys);
    }

    [Fact]
    public void The_worst_case_of_daprs_schedule_is_computed_from_its_fixed_start_not_from_the_yaml()
    {
        // An exponential retry of 3 with maxInterval 1s: 0.5, 0.75, 1 s, each up to +50%.
        var retry = new Dictionary<object, object?> { ["policy"] = "exponential", ["maxInterval"] = "1s", ["maxRetries"] = "3", ["initialInterval"] = "10ms" };

        Assert.Equal(TimeSpan.FromSeconds(3.375), WorstCaseWaits(retry));
    }

    private static TimeSpan WorstCaseWaits(object? retry)
    {
        var retries = int.Parse(retry.Text("maxRetries")!, CultureInfo.InvariantCulture);
        if (retry.Text("policy") != "exponential")
        {
            return retries * Duration(retry.Text("duration") ?? "5s");
        }
        var maxInterval = Duration(retry.Text("maxInterval") ?? "60s");
        var total = TimeSpan.Zero;
        var interval = DaprKitInitialInterval;
        for (var i = 0; i < retries; i++)
        {
            total += interval * (1 + DaprKitRandomization);
            interval = interval * DaprKitMultiplier > maxInterval ? maxInterval : interval * DaprKitMultiplier;
        }
        return total;
    }

    // Go durations as these files write them: a number with ms, s or m.
    private static TimeSpan Duration(string text) => text switch
    {
        _ when text.EndsWith("ms", StringComparison.Ordinal) => TimeSpan.FromMilliseconds(double.Parse(text[..^2], CultureInfo.InvariantCulture)),
        _ when text.EndsWith('s') => TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        _ when text.EndsWith('m') => TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        _ => throw new FormatException($"not a duration these files use: {text}"),
    };
}

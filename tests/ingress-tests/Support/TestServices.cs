using Dapr.Workflow;
using IngressService;
using IngressService.Correlation;
using IngressService.Forecasts;
using IngressService.Replies;
using IngressService.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingress.Tests.Support;

// The ingress's collaborators wired by hand for unit tests.
internal sealed class TestServices : IDisposable
{
    private readonly ServiceProvider metricsProvider = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TestServices(ForecastOptions? forecasts = null, WorkflowOptions? workflows = null)
    {
        WorkflowOptions = workflows ?? new WorkflowOptions();
        Metrics = new IngressMetrics(metricsProvider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Tracker = new WorkflowInstanceTracker(
            Clock, Options.Create(forecasts ?? new ForecastOptions()), Options.Create(WorkflowOptions), Metrics);
    }

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 1, 14, 9, 0, 0, TimeSpan.Zero));

    public IDaprWorkflowClient Workflows { get; } = NSubstitute.Substitute.For<IDaprWorkflowClient>();

    public WorkflowOptions WorkflowOptions { get; }

    public IngressMetrics Metrics { get; }

    public WorkflowInstanceTracker Tracker { get; }

    public ReplyServices Replies(ForecastOptions? forecasts = null) => new(
        new WorkflowCorrelation(
            Workflows, Tracker, Metrics, Clock, Options.Create(forecasts ?? new ForecastOptions()), Options.Create(WorkflowOptions),
            NullLogger<WorkflowCorrelation>.Instance),
        Metrics,
        NullLogger<ReplyServices>.Instance);

    public FinishedWorkflowPurger Purger => new(
        Workflows, Tracker, Metrics, Clock, Options.Create(WorkflowOptions), NullLogger<FinishedWorkflowPurger>.Instance);

    public void Dispose() => metricsProvider.Dispose();
}

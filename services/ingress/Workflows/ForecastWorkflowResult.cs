using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>The output of a ForecastWorkflow instance.</summary>
internal sealed record ForecastWorkflowResult(ForecastOutcome Outcome, WeatherReply? Reply, DateTime FinishedAt)
{
    public static ForecastWorkflowResult Answered(WeatherReply reply, DateTime at) => new(ForecastOutcome.Answered, reply, at);

    public static ForecastWorkflowResult DeadlinePassed(DateTime at) => new(ForecastOutcome.DeadlinePassed, null, at);

    public static ForecastWorkflowResult PublishFailed(DateTime at) => new(ForecastOutcome.PublishFailed, null, at);
}

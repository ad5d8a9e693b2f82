namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>How a ForecastWorkflow instance ended.</summary>
internal enum ForecastOutcome
{
    Answered,
    DeadlinePassed,
    PublishFailed,
}

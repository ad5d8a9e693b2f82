using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>The input of a ForecastWorkflow instance: the request and how long to wait for its reply.</summary>
internal sealed record ForecastWorkflowInput(WeatherRequest Request, TimeSpan ReplyDeadline);

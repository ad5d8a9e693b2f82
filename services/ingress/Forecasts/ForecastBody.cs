using Microsoft.AspNetCore.Http.HttpResults;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>The POST body read: the request, or the 400 naming every bad field, or another problem answer.</summary>
internal readonly record struct ForecastBody(CityForecastRequest? Request, ValidationProblem? Invalid, ProblemHttpResult? Problem);

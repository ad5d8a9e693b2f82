using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// Every error answer is application/problem+json, whatever the client's Accept header says: the
/// framework's writer declines when Accept does not name JSON and the answer falls back to
/// text/plain; an API's errors should stay machine-readable.
/// </summary>
internal sealed class AlwaysJsonProblemDetailsWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(response.StatusCode);
        problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        return new ValueTask(response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json"));
    }
}

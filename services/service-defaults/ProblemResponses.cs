using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace RedisStreamDemo.ServiceDefaults;

// Every error answer is application/problem+json, whatever the client's Accept header says, and
// comes from the very first middleware, so nothing later in the pipeline (Dapr's CloudEvents
// middleware included) can turn a bad request into a bare 500. In Development, WebApplication adds
// its developer exception page inside the pipeline this filter wraps, so the page sees every
// exception before UseExceptionHandler does: DeveloperPageDefersToExceptionHandlers lets the
// exception handlers answer there too.
internal sealed class ProblemFirstStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        next(app);
    };
}

// Without this the developer exception page would answer a client's unreadable body 500, and
// Development (dapr run, WebApplicationFactory) would disagree with Production about bad input.
// Exceptions no handler takes still get the page.
internal sealed class DeveloperPageDefersToExceptionHandlers(IEnumerable<IExceptionHandler> handlers) : IDeveloperPageExceptionFilter
{
    public async Task HandleExceptionAsync(ErrorContext errorContext, Func<ErrorContext, Task> next)
    {
        var http = errorContext.HttpContext;
        foreach (var handler in handlers)
        {
            if (await handler.TryHandleAsync(http, errorContext.Exception, http.RequestAborted))
            {
                return;
            }
        }

        await next(errorContext);
    }
}

// A body that cannot be read or parsed is the client's fault: 400, not 500.
internal sealed class UnreadableBodyExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (JsonException or DecoderFallbackException or BadHttpRequestException))
        {
            return false;
        }

        var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = "Unreadable request body",
                Detail = "The request body could not be read as the content type it claims.",
            },
        });
    }
}

// The framework's writer declines when Accept does not name JSON and the answer falls back to
// text/plain; an API's errors should stay machine-readable.
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

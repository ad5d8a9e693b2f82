using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>A body that cannot be read or parsed is the client's fault: 400, not 500.</summary>
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

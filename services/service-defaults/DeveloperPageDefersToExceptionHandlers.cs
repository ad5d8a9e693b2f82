using Microsoft.AspNetCore.Diagnostics;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// In Development WebApplication puts its developer exception page in front of every middleware
/// Program.cs adds, so the page sees an exception first. Without this filter it would answer a
/// client's unreadable body 500, and Development (dapr run, WebApplicationFactory) would disagree
/// with Production about bad input. Exceptions no handler takes still get the page.
/// </summary>
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

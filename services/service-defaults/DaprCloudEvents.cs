using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.ServiceDefaults;

public static class DaprCloudEvents
{
    private static readonly object Unwrapped = new();

    // Only the sidecar's deliveries are CloudEvents. Unwrapping them on the delivery routes alone keeps
    // the public API from parsing a client's `application/cloudevents+json` body in Dapr's middleware.
    public static WebApplication UseDaprCloudEvents(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(DaprNames.Routes.DeliveryPrefix), events => events
            .Use(RejectUnreadableEnvelopesAsync)
            .UseCloudEvents()
            .Use((context, next) =>
            {
                context.Items[Unwrapped] = true;
                return next(context);
            }));
        return app;
    }

    // Dapr's middleware throws whatever its parsing step hits on an envelope it cannot unwrap: a
    // JsonException (not JSON), InvalidOperationException (JSON but no object, or data_base64 no
    // string), FormatException (data_base64 no base64), ArgumentException (an unknown charset). That
    // is the client's fault, so it becomes the 400 UnreadableBodyExceptionHandler writes. What is
    // thrown once the request has been unwrapped comes from the handlers and stays a server error.
    private static async Task RejectUnreadableEnvelopesAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Items.ContainsKey(Unwrapped)
            && ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new BadHttpRequestException("The body is not a CloudEvent Dapr can unwrap.", StatusCodes.Status400BadRequest, ex);
        }
    }
}

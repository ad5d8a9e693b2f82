using Microsoft.AspNetCore.Builder;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.ServiceDefaults;

public static class DaprCloudEvents
{
    // Only the sidecar's deliveries are CloudEvents. Unwrapping them on the delivery routes alone keeps
    // the public API from parsing a client's `application/cloudevents+json` body in Dapr's middleware.
    public static WebApplication UseDaprCloudEvents(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(DaprNames.Routes.DeliveryPrefix), events => events.UseCloudEvents());
        return app;
    }
}

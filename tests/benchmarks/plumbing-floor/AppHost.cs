using System.Net;
using System.Text.Json;

namespace PlumbingFloor;

/// <summary>
/// What both apps are built on, as each of ours is on its sidecar: Kestrel on --port (loopback only),
/// a <see cref="BrokerClient"/> to --broker-url, and GET /healthz.
/// </summary>
internal static class AppHost
{
    /// <summary>The JSON the apps send each other: the web defaults (camelCase names).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue<int>("port");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new BrokerClient(new Uri(builder.Configuration["broker-url"] ?? throw new InvalidOperationException("--broker-url is required."))));

        var app = builder.Build();
        app.MapGet("/healthz", () => TypedResults.Ok());
        return app;
    }
}

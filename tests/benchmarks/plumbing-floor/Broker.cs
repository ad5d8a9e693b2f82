using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Benchmarks.Cases;
using StackExchange.Redis;

namespace PlumbingFloor;

/// <summary>
/// The sidecar's place, reduced to the plumbing: a gRPC Publish that wraps the app's message in a
/// CloudEvent and XADDs it to the topic's stream, and one subscription (<see cref="Subscription"/>)
/// that reads a stream with its consumer group, POSTs each entry to the app and XACKs it.
/// No resiliency, no retries, no workflow engine, no telemetry.
/// </summary>
internal sealed class Broker(IConnectionMultiplexer redis, string appId)
{
    private readonly IDatabase _db = redis.GetDatabase();

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var appId = Required(configuration, "app-id");
        var grpcPort = int.Parse(Required(configuration, "grpc-port"), System.Globalization.CultureInfo.InvariantCulture);
        var redisEndpoint = Required(configuration, "redis");
        var appUrl = new Uri(Required(configuration, "app-url"));
        var topic = Required(configuration, "subscribe");
        var route = Required(configuration, "route");

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2));
        // Commands on one connection; the blocking read on its own, as a blocked command holds up what is pipelined behind it.
        var commands = ConnectionMultiplexer.Connect(redisEndpoint);
        var reads = ConnectionMultiplexer.Connect(redisEndpoint);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<Broker>, PublishMethodProvider>();
        builder.Services.AddSingleton(new Broker(commands, appId));
        builder.Services.AddHostedService(_ => new Subscription(commands.GetDatabase(), reads.GetDatabase(), appId, topic, new Uri(appUrl, route)));

        var app = builder.Build();
        app.MapGrpcService<Broker>();
        return app;
    }

    public async Task<byte[]> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _db.StreamAddAsync(
            request.Topic, "data", Envelope.Wrap(appId, request.Topic, request.Data.Span),
            maxLength: StreamReads.MaxLenApprox, useApproximateMaxLength: true);
        return [];
    }

    private static string Required(IConfiguration configuration, string name) =>
        configuration[name] ?? throw new InvalidOperationException($"--{name} is required.");
}

using System.Net.Http.Headers;
using Benchmarks.Cases;
using StackExchange.Redis;

namespace PlumbingFloor;

/// <summary>
/// A broker's one subscription: blocking XREADGROUP with the app id as the consumer group, each
/// entry POSTed to the app as a CloudEvent without waiting for the previous one, XACK on a 2xx.
/// A delivery that fails stays pending (the benchmark sees its request time out).
/// </summary>
internal sealed class Subscription(IDatabase commands, IDatabase reads, string group, string topic, Uri route) : BackgroundService
{
    private const int ReadCount = 100;
    private static readonly TimeSpan Block = TimeSpan.FromSeconds(1);
    private static readonly MediaTypeHeaderValue CloudEvent = new("application/cloudevents+json");

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StreamReads.CreateGroupAsync(commands, topic, group);
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var (id, data) in await StreamReads.ReadGroupAsync(reads, topic, group, ReadCount, Block))
            {
                _ = DeliverAsync(id, (byte[])data!, stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(RedisValue id, byte[] envelope, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new ByteArrayContent(envelope);
            content.Headers.ContentType = CloudEvent;
            using var response = await _http.PostAsync(route, content, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                await commands.StreamAcknowledgeAsync(topic, group, id);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or RedisException or OperationCanceledException)
        {
            // Left pending: the floor has no redelivery.
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Observability.Tests.Infrastructure;

/// <summary>One span as the Zipkin v2 JSON API receives it.</summary>
public sealed record ZipkinSpan(
    string TraceId,
    string Id,
    string? ParentId,
    string Name,
    string? Kind,
    string ServiceName,
    IReadOnlyDictionary<string, string> Tags)
{
    public override string ToString() => $"{ServiceName}: {Kind} '{Name}' trace {TraceId} span {Id} parent {ParentId ?? "-"}";
}

/// <summary>
/// Stands in for Zipkin: POST /api/v2/spans on a free loopback port, every span kept in memory.
/// The apps' Zipkin exporter posts here when Telemetry__ZipkinEndpoint names <see cref="Endpoint"/>.
/// </summary>
public sealed class ZipkinCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ZipkinSpan> _spans = new();
    private int _rejectedBatches;

    private ZipkinCollector(WebApplication app) => _app = app;

    /// <summary>The span endpoint on the port Kestrel bound (known once started).</summary>
    public Uri Endpoint => new(new Uri(_app.Urls.Single()), "/api/v2/spans");

    public IReadOnlyList<ZipkinSpan> Spans => [.. _spans];

    /// <summary>Posts whose body was not a Zipkin v2 JSON array (should stay 0).</summary>
    public int RejectedBatches => _rejectedBatches;

    public static async Task<ZipkinCollector> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var collector = new ZipkinCollector(app);
        app.MapPost("/api/v2/spans", collector.ReceiveAsync);
        await app.StartAsync(cancellationToken);
        return collector;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(request.Body, CompressionMode.Decompress)
            : request.Body;
        try
        {
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            foreach (var span in json.RootElement.EnumerateArray())
            {
                _spans.Enqueue(Read(span));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            Interlocked.Increment(ref _rejectedBatches);
            return Results.BadRequest();
        }
        return Results.Accepted();
    }

    private static ZipkinSpan Read(JsonElement span)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (span.TryGetProperty("tags", out var tagObject))
        {
            foreach (var tag in tagObject.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString() ?? "" : tag.Value.GetRawText();
            }
        }
        return new ZipkinSpan(
            span.GetProperty("traceId").GetString() ?? "",
            span.GetProperty("id").GetString() ?? "",
            span.TryGetProperty("parentId", out var parent) ? parent.GetString() : null,
            span.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
            span.TryGetProperty("kind", out var kind) ? kind.GetString() : null,
            span.TryGetProperty("localEndpoint", out var local) && local.TryGetProperty("serviceName", out var service) ? service.GetString() ?? "" : "",
            tags);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

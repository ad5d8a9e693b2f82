using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sidecar.Tests.Infrastructure;

/// <summary>A request the app received; <c>Aborted</c> fires when the sidecar gives up on it (the connection is dropped).</summary>
public sealed record AppRequest(string Method, string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, string Body, CancellationToken Aborted = default)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A minimal app the sidecar talks to: serves GET /dapr/subscribe with the given subscriptions and
/// answers every POST with <c>respond</c>, recording requests and the peak of concurrent deliveries.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _inFlight;
    private int _maxInFlight;
    private int _aborted;

    private TestApp(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<AppRequest> Requests { get; } = new();

    public IEnumerable<AppRequest> Deliveries => Requests.Where(r => r.Method == "POST");

    public int MaxConcurrentDeliveries => Volatile.Read(ref _maxInFlight);

    /// <summary>The status a GET other than /dapr/subscribe (a health probe) answers, by probe number from 1: 200 unless a test changes it.</summary>
    public Func<int, int> Health { get; set; } = _ => 200;

    /// <summary>GET requests other than /dapr/subscribe: the sidecar's health probes.</summary>
    public IEnumerable<AppRequest> Probes => Requests.Where(r => r.Method == "GET" && r.Path != "/dapr/subscribe");

    /// <summary>Deliveries the sidecar cancelled while the app was still handling them.</summary>
    public int AbortedDeliveries => Volatile.Read(ref _aborted);

    /// <param name="subscribeAnswer">What GET /dapr/subscribe answers instead of the subscriptions as JSON.</param>
    public static async Task<TestApp> StartAsync(object[] subscriptions, Func<AppRequest, int, Task<IResult>> respond, int? port = null, Func<IResult>? subscribeAnswer = null)
    {
        var appPort = port ?? FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{appPort}");
        var app = builder.Build();
        var testApp = new TestApp(app, appPort);
        var deliveries = 0;

        app.MapGet("/dapr/subscribe", async (HttpContext context) =>
        {
            testApp.Requests.Enqueue(await RecordAsync(context));
            return subscribeAnswer?.Invoke() ?? Results.Json(subscriptions);
        });
        var probes = 0;
        app.MapGet("/{**path}", async (HttpContext context) =>
        {
            testApp.Requests.Enqueue(await RecordAsync(context));
            return Results.StatusCode(testApp.Health(Interlocked.Increment(ref probes)));
        });
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var request = await RecordAsync(context);
            testApp.Requests.Enqueue(request);
            var now = Interlocked.Increment(ref testApp._inFlight);
            int seen;
            while ((seen = Volatile.Read(ref testApp._maxInFlight)) < now && Interlocked.CompareExchange(ref testApp._maxInFlight, now, seen) != seen)
            {
            }
            using var aborted = context.RequestAborted.Register(() => Interlocked.Increment(ref testApp._aborted));
            try
            {
                return await respond(request, Interlocked.Increment(ref deliveries));
            }
            finally
            {
                Interlocked.Decrement(ref testApp._inFlight);
            }
        });
        await app.StartAsync();
        return testApp;
    }

    private static async Task<AppRequest> RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        return new AppRequest(context.Request.Method, context.Request.Path, context.Request.ContentType ?? "", headers, body, context.RequestAborted);
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the recorded deliveries.</summary>
    public async Task<IReadOnlyList<AppRequest>> WaitForDeliveriesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var list = Deliveries.ToList();
            if (list.Count >= count)
            {
                return list;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"expected {count} deliveries within {timeout}, got {Deliveries.Count()}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

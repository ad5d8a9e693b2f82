using System.Net;
using System.Net.Sockets;

namespace Benchmarks.Cases;

/// <summary>
/// A live span collector for the full-stack cases: the apps export their spans to it as they would
/// to Zipkin (POST /api/v2/spans, answered 202), so the export costs what it costs users, instead of
/// failing fast against a port nobody listens on. It counts the spans and keeps none.
/// </summary>
internal sealed class ZipkinSink : IAsyncDisposable
{
    // Every span in Zipkin's v2 JSON has exactly one traceId; nothing else in it has that key.
    private static readonly byte[] SpanMarker = "\"traceId\""u8.ToArray();

    private readonly HttpListener listener = new();
    private readonly Task receiving;
    private long spans;

    private ZipkinSink(int port)
    {
        Endpoint = $"http://127.0.0.1:{port}/api/v2/spans";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        receiving = ReceiveAsync();
    }

    public string Endpoint { get; }

    public long Spans => Interlocked.Read(ref spans);

    public static ZipkinSink Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new ZipkinSink(port);
    }

    private async Task ReceiveAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Stopped.
            }
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Interlocked.Add(ref spans, CountSpans(body.GetBuffer().AsSpan(0, (int)body.Length)));
            context.Response.StatusCode = (int)HttpStatusCode.Accepted;
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException)
        {
            context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The exporter gave up on this batch; the next one comes in 5 s.
            }
        }
    }

    internal static int CountSpans(ReadOnlySpan<byte> json)
    {
        var count = 0;
        for (var at = json.IndexOf(SpanMarker); at >= 0; at = json.IndexOf(SpanMarker))
        {
            count++;
            json = json[(at + SpanMarker.Length)..];
        }
        return count;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await receiving;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Faults.Infrastructure;

/// <summary>
/// Sends forecast requests as a user does and follows each one to its final answer. Every request
/// gets a distinct city, so a reply carrying another request's id or city is caught.
/// </summary>
public sealed class RequestLedger(IngressClient client, Stopwatch clock)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentQueue<TrackedRequest> _all = new();
    private int _next;

    public IReadOnlyList<TrackedRequest> All => [.. _all.OrderBy(r => r.Index)];

    public IReadOnlyList<TrackedRequest> Accepted => [.. All.Where(r => r.Accepted)];

    /// <summary>"N POSTs refused <paramref name="when"/>", with up to three of their distinct answers.</summary>
    public string DescribeRefused(string when)
    {
        var refused = All.Where(r => !r.Accepted).ToList();
        return $"{refused.Count} POSTs refused {when}" +
               (refused.Count == 0 ? "" : $": {string.Join("; ", refused.Select(r => r.Detail).Distinct().Take(3))}");
    }

    /// <summary>POSTs one request. <paramref name="respondAsync"/> asks for the 202 at once (Prefer: respond-async).</summary>
    public async Task<TrackedRequest> SendAsync(string prefix, bool respondAsync = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var index = Interlocked.Increment(ref _next);
        var request = new TrackedRequest(index, CityNames.Named(index, prefix)) { SentAt = clock.Elapsed };
        _all.Enqueue(request);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            using var response = await client.PostCityAsync(request.City, respondAsync, cancellationToken: limit.Token);
            request.PostStatus = response.StatusCode;
            request.PostLatency = clock.Elapsed - request.SentAt;
            request.RetryAfter = response.Headers.RetryAfter?.ToString();
            request.PostContentType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
            {
                request.StatusUrl = client.Resolve(location);
                request.RequestId = request.StatusUrl.Segments[^1];
            }
            else if (response.StatusCode == HttpStatusCode.OK)
            {
                var reply = IngressClient.ParseReply(body);
                request.RequestId = reply?.RequestId;
                request.StatusUrl = reply is null ? null : client.StatusUrl(reply.RequestId);
                Finish(request, HttpStatusCode.OK, reply, null);
            }
            else
            {
                request.Detail = $"POST answered {(int)response.StatusCode}: {Shorten(body)}";
            }
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            request.PostLatency = clock.Elapsed - request.SentAt;
            request.Detail = ex is OperationCanceledException ? $"POST got no answer within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s" : $"POST failed: {ex.Message}";
        }
        return request;
    }

    /// <summary>Sends <paramref name="count"/> requests at <paramref name="perSecond"/>, without waiting for one before the next.</summary>
    public async Task<IReadOnlyList<TrackedRequest>> SendAtRateAsync(int count, double perSecond, string prefix, CancellationToken cancellationToken)
    {
        var sends = new List<Task<TrackedRequest>>(count);
        var start = clock.Elapsed;
        for (var i = 0; i < count; i++)
        {
            var due = start + TimeSpan.FromSeconds(i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
            sends.Add(SendAsync(prefix, cancellationToken: cancellationToken));
        }
        return await Task.WhenAll(sends);
    }

    /// <summary>
    /// Polls the status URL of every accepted, unfinished request until each has a final answer or
    /// the timeout passes. 202, 503 and connection failures mean "not yet" (the ingress may be
    /// restarting); 200, 404, 502 and 504 are final.
    /// </summary>
    public async Task<bool> SettleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = clock.Elapsed + timeout;
        using var gate = new SemaphoreSlim(16);
        while (true)
        {
            var pending = All.Where(r => r.Accepted && !r.Finished).ToList();
            if (pending.Count == 0)
            {
                return true;
            }
            if (clock.Elapsed >= deadline)
            {
                foreach (var request in pending)
                {
                    request.Detail ??= $"no final answer within {timeout.TotalSeconds:0} s";
                }
                return false;
            }
            await Task.WhenAll(pending.Select(async request =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await PollAsync(request, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }));
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task PollAsync(TrackedRequest request, CancellationToken cancellationToken)
    {
        if (request.StatusUrl is not { } statusUrl)
        {
            return;
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await client.GetAsync(statusUrl, limit.Token);
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    Finish(request, HttpStatusCode.OK, IngressClient.ParseReply(body), null);
                    break;
                case HttpStatusCode.NotFound or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout:
                    Finish(request, response.StatusCode, null, Shorten(body));
                    break;
                default:
                    request.Detail = $"last poll {(int)response.StatusCode}";
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            request.Detail = $"last poll failed: {ex.Message}";
        }
    }

    private void Finish(TrackedRequest request, HttpStatusCode status, WeatherReply? reply, string? detail)
    {
        request.FinalStatus = status;
        request.ReplyRequestId = reply?.RequestId;
        request.ReplyCity = reply?.City;
        request.FinishedAt = clock.Elapsed;
        request.Detail = status == HttpStatusCode.OK
            ? (request.Completed ? null : $"reply for {reply?.RequestId} ({reply?.City}) instead of its own")
            : $"final {(int)status}: {detail}";
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RedisStreamDemo.Contracts;
using Xunit;

namespace TestSupport;

/// <summary>
/// The ingress's public API as a user calls it: POST a city (with or without Prefer: respond-async),
/// GET the status URL, GET /healthz. The suites, the fault suite and the load tool send through it.
/// Without a token, a call observes the running test's.
/// </summary>
public sealed class IngressClient(HttpClient http, Uri baseUrl)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri BaseUrl => baseUrl;

    /// <summary>The absolute status URL of a request.</summary>
    public Uri StatusUrl(string requestId) => new(baseUrl, PublicRoutes.Request(requestId));

    /// <summary>An absolute address for a Location the ingress answered with.</summary>
    public Uri Resolve(Uri location) => new(baseUrl, location);

    public async Task<HttpResponseMessage> PostCityAsync(
        string city, bool respondAsync = false, string? location = null, CancellationToken cancellationToken = default)
    {
        // A buffered body sends Content-Length, as curl and browsers do, rather than chunks.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, PublicRoutes.City))
        {
            Content = new StringContent(JsonSerializer.Serialize(new { city, location }), Encoding.UTF8, "application/json"),
        };
        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }
        return await http.SendAsync(request, TestCancellation.Or(cancellationToken));
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path)) { Content = content };
        return await http.SendAsync(request, TestCancellation.Or(cancellationToken));
    }

    public Task<HttpResponseMessage> GetAsync(Uri statusUrl, CancellationToken cancellationToken = default) =>
        http.GetAsync(statusUrl, TestCancellation.Or(cancellationToken));

    /// <summary>POSTs and returns the status URL of the accepted request (Prefer: respond-async).</summary>
    public async Task<Uri> AcceptAsync(string city)
    {
        using var response = await PostCityAsync(city, respondAsync: true);
        var body = await response.Content.ReadAsStringAsync(TestCancellation.Or(default));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {city}: {(int)response.StatusCode} {body}");
        var location = response.Headers.Location;
        Assert.NotNull(location);
        return Resolve(location);
    }

    /// <summary>The reply to a request: at once when it arrives within the ingress's reply wait, else by polling the status URL.</summary>
    public async Task<WeatherReply> ForecastAsync(string city, TimeSpan timeout)
    {
        using var response = await PostCityAsync(city);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return await ReadReplyAsync(response);
        }
        var body = await response.Content.ReadAsStringAsync(TestCancellation.Or(default));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is not null, $"POST {city}: {(int)response.StatusCode} {body}");
        return await ReplyAtAsync(Resolve(response.Headers.Location), timeout);
    }

    /// <summary>Polls a status URL until a final answer and asserts it is the reply (202, 503 and no answer mean "not yet").</summary>
    public async Task<WeatherReply> ReplyAtAsync(Uri statusUrl, TimeSpan timeout)
    {
        var (status, body) = await Eventually.Until(
            async () =>
            {
                try
                {
                    using var response = await GetAsync(statusUrl);
                    return (response.StatusCode, await response.Content.ReadAsStringAsync(TestCancellation.Or(default)));
                }
                catch (HttpRequestException ex)
                {
                    // The ingress may be restarting.
                    return ((HttpStatusCode)0, ex.Message);
                }
            },
            last => last.Item1 is not (HttpStatusCode.Accepted or 0 or HttpStatusCode.ServiceUnavailable),
            timeout,
            $"a final answer at {statusUrl}");
        Assert.True(status == HttpStatusCode.OK, $"GET {statusUrl}: {(int)status} {body}");
        return JsonSerializer.Deserialize<WeatherReply>(body, Json) ?? throw new InvalidOperationException("empty reply");
    }

    public async Task<HttpStatusCode> HealthAsync()
    {
        using var response = await http.GetAsync(new Uri(baseUrl, PublicRoutes.Health), TestCancellation.Or(default));
        return response.StatusCode;
    }

    /// <returns>Null when GET /healthz answers 2xx within 5 s, else what went wrong.</returns>
    public async Task<string?> HealthProblemAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await http.GetAsync(new Uri(baseUrl, PublicRoutes.Health), timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return response.IsSuccessStatusCode
                ? null
                : $"GET {PublicRoutes.Health} answered {(int)response.StatusCode} {(body.Length <= 200 ? body : body[..200] + "...")}";
        }
        catch (HttpRequestException ex)
        {
            return $"GET {PublicRoutes.Health} failed: {ex.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"GET {PublicRoutes.Health} did not answer within 5 s";
        }
    }

    public static async Task<WeatherReply> ReadReplyAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<WeatherReply>(Json, TestCancellation.Or(default))
        ?? throw new InvalidOperationException("empty reply");

    public static WeatherReply? ParseReply(string body) => JsonSerializer.Deserialize<WeatherReply>(body, Json);

    public static StringContent JsonContent(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));
}

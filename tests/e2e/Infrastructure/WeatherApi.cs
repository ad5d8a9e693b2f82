using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The ingress's public API as a user calls it.</summary>
public sealed class WeatherApi(HttpClient http, Uri baseUrl)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri BaseUrl => baseUrl;

    public async Task<HttpResponseMessage> PostCityAsync(string city, bool respondAsync = false, string? location = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/WeatherForecast/city"))
        {
            Content = new StringContent(JsonSerializer.Serialize(new { city, location }), Encoding.UTF8, "application/json"),
        };
        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseUrl, path)) { Content = content };
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>POSTs and returns the status URL of the accepted request (Prefer: respond-async).</summary>
    public async Task<Uri> AcceptAsync(string city)
    {
        using var response = await PostCityAsync(city, respondAsync: true);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {city}: {(int)response.StatusCode} {body}");
        var location = response.Headers.Location;
        Assert.NotNull(location);
        return new Uri(baseUrl, location);
    }

    /// <summary>The reply to a request: at once when it arrives within the ingress's reply wait, else by polling the status URL.</summary>
    public async Task<WeatherReply> ForecastAsync(string city, TimeSpan timeout)
    {
        using var response = await PostCityAsync(city);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return await ReadReplyAsync(response);
        }
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is not null, $"POST {city}: {(int)response.StatusCode} {body}");
        return await ReplyAtAsync(new Uri(baseUrl, response.Headers.Location), timeout);
    }

    public async Task<WeatherReply> ReplyAtAsync(Uri statusUrl, TimeSpan timeout)
    {
        var (status, body) = await Eventually.Until(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(statusUrl, TestContext.Current.CancellationToken);
                    return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
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
        using var response = await http.GetAsync(new Uri(baseUrl, "/healthz"), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    public static async Task<WeatherReply> ReadReplyAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<WeatherReply>(Json, TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException("empty reply");

    public static StringContent JsonContent(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));
}

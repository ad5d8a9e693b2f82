using System.Globalization;
using System.Net;
using LoadTest.Running;
using TestSupport;

namespace LoadTest.Weather;

/// <summary>
/// One request as a user sees it: POST the city, and when the ingress answers 202 (at once with
/// <c>Prefer: respond-async</c>, or because the reply was late) poll the Location until the reply,
/// an error status or the deadline. The outcome is labelled by the statuses seen, e.g. "202→200".
/// </summary>
internal sealed class WeatherClient(HttpClient http, Uri baseUrl, bool respondAsync, TimeSpan pollInterval, TimeSpan timeout)
{
    public const string Path = PublicRoutes.City;

    private readonly IngressClient _ingress = new(http, baseUrl);

    public async Task<RequestOutcome> SendAsync(string city, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var first = "exception";
        try
        {
            using var response = await _ingress.PostCityAsync(city, respondAsync, "load test", deadline.Token);
            first = Code(response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => Verify(first, body, city),
                HttpStatusCode.Accepted when response.Headers.Location is { } location =>
                    await PollAsync(_ingress.Resolve(location), city, deadline.Token),
                HttpStatusCode.Accepted => RequestOutcome.Failed(first, "NoLocation", "202 without a Location header"),
                _ => Unexpected(first, response.StatusCode, body),
            };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return RequestOutcome.Failed(
                first == "202" ? "202→timeout" : "timeout",
                "Timeout",
                $"no reply within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException ex)
        {
            return RequestOutcome.Failed("exception", nameof(HttpRequestException), ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message);
        }
    }

    private async Task<RequestOutcome> PollAsync(Uri location, string city, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(pollInterval, cancellationToken);
            using var response = await _ingress.GetAsync(location, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                continue;
            }
            var status = "202→" + Code(response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.StatusCode == HttpStatusCode.OK
                ? Verify(status, body, city)
                : Unexpected(status, response.StatusCode, body);
        }
    }

    private static RequestOutcome Verify(string status, string body, string city) =>
        ReplyCheck.Mismatch(body, city) is { } mismatch
            ? RequestOutcome.Failed(status, "ReplyMismatch", mismatch)
            : RequestOutcome.Ok(status);

    private static RequestOutcome Unexpected(string status, HttpStatusCode code, string body) =>
        RequestOutcome.Failed(status, $"HTTP {Code(code)}", ReplyCheck.Truncate(body));

    private static string Code(HttpStatusCode code) => ((int)code).ToString(CultureInfo.InvariantCulture);
}

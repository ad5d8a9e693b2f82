using TestSidecar.Hosting;

namespace TestSidecar.PubSub;

/// <summary>
/// HTTP calls from the sidecar to its app (http://127.0.0.1:app-port), as daprd's HTTP app
/// channel makes them (dapr/dapr pkg/channel/http/http_channel.go): APP_API_TOKEN sent as
/// dapr-api-token, at most --app-max-concurrency calls in flight (all calls, every subscription
/// together). The wait for a slot is part of the call, so a caller's deadline covers it, as
/// invokeMethodV1's send on its concurrency channel is part of the resiliency runner's timed attempt.
/// </summary>
internal sealed class AppChannel(HttpClient http, SidecarOptions options) : IDisposable
{
    private readonly SemaphoreSlim? _limit = options.AppMaxConcurrency > 0 ? new SemaphoreSlim(options.AppMaxConcurrency) : null;

    /// <summary>
    /// daprd's client to the app (pkg/runtime/channels/channels.go appHTTPClient): no timeout of its
    /// own (only a resiliency timeout ends a call) and redirects are answered, not followed.
    /// </summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public bool Configured => options.AppPort is not null;

    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{options.AppPort ?? 0}");

    /// <summary>Set once app health checks start (daprd's SetAppHealth); every call to the app is refused while it reports unhealthy.</summary>
    public AppHealth? Health { get; set; }

    public async Task<(int Status, byte[] Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // http_channel.go InvokeMethod: no call to the app while its health status is not healthy.
        if (Health is { IsHealthy: false })
        {
            throw new AppUnhealthyException();
        }
        if (options.AppApiToken is { } token)
        {
            request.Headers.TryAddWithoutValidation("dapr-api-token", token);
        }
        if (_limit is not null)
        {
            await _limit.WaitAsync(cancellationToken);
        }
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        finally
        {
            _limit?.Release();
        }
    }

    /// <summary>
    /// http_channel.go HealthProbe: GET of the health path with the app client, under the probe timeout,
    /// without the app token or a concurrency slot; healthy on 2xx only.
    /// </summary>
    public async Task<(bool Healthy, string? Reason)> ProbeAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress.GetLeftPart(UriPartial.Authority) + path));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? (true, null) : (false, $"Health check failed with status code: {status}");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (false, ex is OperationCanceledException ? "Network error: context deadline exceeded" : "Network error: " + ex.Message);
        }
    }

    public Uri Resolve(string path) => new(BaseAddress, path.StartsWith('/') ? path : "/" + path);

    public void Dispose() => _limit?.Dispose();
}

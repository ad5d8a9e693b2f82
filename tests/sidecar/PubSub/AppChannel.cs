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

    public async Task<(int Status, byte[] Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
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

    public Uri Resolve(string path) => new(BaseAddress, path.StartsWith('/') ? path : "/" + path);

    public void Dispose() => _limit?.Dispose();
}

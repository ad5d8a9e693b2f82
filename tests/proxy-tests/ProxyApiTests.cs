using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Microsoft.Extensions.DependencyInjection;
using RedisStreamDemo.Proxy.Terminals;
using RedisStreamDemo.ServiceDefaults;
using TestSupport;

namespace Proxy.Tests;

public sealed class ProxyApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpContent CloudEvent(object data, string topic = DaprNames.Topics.WeatherRequests) =>
        new StringContent(
            JsonSerializer.Serialize(new
            {
                specversion = "1.0",
                id = Guid.NewGuid().ToString(),
                source = DaprNames.AppIds.Ingress,
                type = "com.dapr.event.sent",
                datacontenttype = "application/json",
                topic,
                pubsubname = DaprNames.PubSub,
                data,
            }),
            Encoding.UTF8,
            "application/cloudevents+json");

    private static object RequestData(string requestId) =>
        new { requestId, city = "Oslo", location = "Majorstuen", requestedAt = TestData.RequestedAt };

    [Fact]
    public async Task A_cloud_event_delivery_publishes_exactly_one_reply_with_its_request_id()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-42")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SUCCESS", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        await factory.Dapr.Received(1).PublishEventAsync(
            DaprNames.PubSub,
            DaprNames.Topics.WeatherResponses,
            Arg.Is<WeatherReply>(reply => reply.RequestId == "request-42" && reply.City == "Oslo" && reply.Forecasts.Count == 5),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_delivery_that_is_not_a_weather_request_is_answered_drop()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        using var missingId = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(new { city = "Oslo" }), Ct);
        using var notJson = await client.PostAsync(DaprNames.Routes.WeatherRequests,
            new StringContent("not json", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal("""{"status":"DROP"}""", await missingId.Content.ReadAsStringAsync(Ct));
        Assert.Equal("""{"status":"DROP"}""", await notJson.Content.ReadAsStringAsync(Ct));
        Assert.Empty(factory.Dapr.ReceivedCalls());
    }

    // dapr.yaml runs the apps as Development, deployments as Production.
    private static readonly string[] HostEnvironments = ["Development", "Production"];

    public static TheoryData<string> BothHostEnvironments => new(HostEnvironments);

    // Bad input gets the same 400 in both environments.
    [Theory]
    [MemberData(nameof(BothHostEnvironments))]
    public async Task A_delivery_that_is_a_malformed_cloud_event_gets_400_and_one_of_another_media_type_415(string environment)
    {
        await using var factory = new ProxyFactory(environment: environment);
        using var client = factory.CreateClient();

        // Asked for HTML, as a browser asks, the developer exception page would answer with its HTML page.
        using var malformedRequest = new HttpRequestMessage(HttpMethod.Post, DaprNames.Routes.WeatherRequests)
        {
            Content = new StringContent("not json", Encoding.UTF8, "application/cloudevents+json"),
        };
        malformedRequest.Headers.Accept.ParseAdd("text/html");
        using var malformed = await client.SendAsync(malformedRequest, Ct);
        using var otherMediaType = await client.PostAsync(DaprNames.Routes.WeatherRequests,
            new StringContent("city=Oslo", Encoding.UTF8, "text/plain"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, otherMediaType.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Empty(factory.Dapr.ReceivedCalls());
    }

    // Each fails a different step of Dapr's CloudEvents middleware, which throws what that step throws.
    private static readonly (string ContentType, string Body)[] Envelopes =
    [
        ("application/cloudevents+json", ""),
        ("application/cloudevents+json", "[]"),
        ("application/cloudevents+json", "\"a string\""),
        ("application/cloudevents+json", """{"data_base64": "not base64!"}"""),
        ("application/cloudevents+json", """{"data_base64": 42}"""),
        ("application/cloudevents+json", """{"data": {}, "data_base64": "AA=="}"""),
        ("application/cloudevents+json; charset=no-such-charset", """{"data": {}}"""),
        ("application/cloudevents+json; charset=iso-8859-1", "not json"),
    ];

    public static TheoryData<string, string, string> EnvelopesDaprCannotUnwrap()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var environment in HostEnvironments)
        {
            foreach (var (contentType, body) in Envelopes)
            {
                data.Add(environment, contentType, body);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EnvelopesDaprCannotUnwrap))]
    public async Task A_cloud_event_envelope_Dapr_cannot_unwrap_gets_400_problem_json(string environment, string contentType, string body)
    {
        await using var factory = new ProxyFactory(environment: environment);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync(DaprNames.Routes.WeatherRequests, content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        // The problem handler answers, not the developer exception page, whose problem carries the exception.
        Assert.False(problem.TryGetProperty("exception", out _), problem.ToString());
        Assert.Empty(factory.Dapr.ReceivedCalls());
    }

    // The 400 is for envelopes only: what a handler throws after unwrapping is still a server error,
    // shown on the developer exception page in Development.
    [Theory]
    [MemberData(nameof(BothHostEnvironments))]
    public async Task A_server_error_behind_a_delivery_stays_a_500(string environment)
    {
        await using var factory = new ProxyFactory(environment: environment);
        factory.Dapr.ReplyRead().Returns(Task.FromException<WeatherReply?>(new InvalidOperationException("A bug behind the delivery route.")));
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-1")), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        // The developer exception page's problem carries the exception; the production one must not.
        Assert.Equal(environment == "Development", problem.TryGetProperty("exception", out _));
    }

    // What daprd delivers on a rawPayload subscription: the stored bytes, base64, in its own envelope.
    private static HttpContent RawCloudEvent(byte[] stored) =>
        new StringContent(
            JsonSerializer.Serialize(new
            {
                specversion = "1.0",
                id = Guid.NewGuid().ToString(),
                source = "Dapr",
                type = "com.dapr.event.sent",
                datacontenttype = "application/octet-stream",
                topic = DaprNames.Topics.WeatherRequestsDeadLetter,
                pubsubname = DaprNames.PubSub,
                data_base64 = Convert.ToBase64String(stored),
            }),
            Encoding.UTF8,
            "application/cloudevents+json");

    // A dead letter as the JSON CloudEvent it was, and one from a rawPayload subscription that is not JSON.
    [Theory]
    [InlineData("cloudevent")]
    [InlineData("raw-not-json")]
    public async Task A_dead_letter_delivery_is_counted_and_answered_success(string deadLetter)
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        using var metrics = factory.CreateMetricRecorder();
        var body = deadLetter == "cloudevent"
            ? CloudEvent(new { city = "Oslo" }, DaprNames.Topics.WeatherRequestsDeadLetter)
            : RawCloudEvent("{this is not json"u8.ToArray());

        using var response = await client.PostAsync(DaprNames.Routes.WeatherRequestsDeadLetter, body, Ct);

        Assert.Equal("""{"status":"SUCCESS"}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, metrics.Sum("proxy.requests.deadlettered"));
    }

    [Fact]
    public async Task A_raw_dead_letter_holding_the_original_cloud_event_is_processed_as_its_request()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        using var metrics = factory.CreateMetricRecorder();
        var original = await CloudEvent(RequestData("request-7")).ReadAsByteArrayAsync(Ct);

        using var response = await client.PostAsync(DaprNames.Routes.WeatherRequestsDeadLetter, RawCloudEvent(original), Ct);

        Assert.Equal("""{"status":"SUCCESS"}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, metrics.Sum("proxy.requests.deadlettered"));
        Assert.Equal(1, metrics.Sum("proxy.requests.processed"));
        Assert.Contains(factory.Logs.Messages, message => message.Contains("request-7", StringComparison.Ordinal) && message.Contains("processing it from there", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_dead_letter_subscription_asks_for_raw_payloads()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        var subscriptions = await client.GetFromJsonAsync<JsonElement[]>("/dapr/subscribe", Ct);

        var deadLetters = Assert.Single(subscriptions!, s => s.GetProperty("topic").GetString() == DaprNames.Topics.WeatherRequestsDeadLetter);
        Assert.Equal("true", deadLetters.GetProperty("metadata").GetProperty("rawPayload").GetString());
    }

    [Fact]
    public async Task Subscribe_handler_lists_exactly_our_topics_routes_and_dead_letter_topic()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        var subscriptions = await client.GetFromJsonAsync<JsonElement[]>("/dapr/subscribe", Ct);

        Assert.NotNull(subscriptions);
        var found = subscriptions
            .Select(s => (
                PubSub: s.GetProperty("pubsubName").GetString(),
                Topic: s.GetProperty("topic").GetString(),
                Route: s.GetProperty("route").GetString(),
                DeadLetter: s.TryGetProperty("deadLetterTopic", out var dead) ? dead.GetString() : null))
            .OrderBy(s => s.Topic)
            .ToArray();
        // Dapr.AspNetCore joins the route's segments without the leading slash; daprd adds it back.
        Assert.Equal(
            [
                (DaprNames.PubSub, DaprNames.Topics.WeatherRequests, DaprNames.Routes.WeatherRequests.TrimStart('/'), DaprNames.Topics.WeatherRequestsDeadLetter),
                (DaprNames.PubSub, DaprNames.Topics.WeatherRequestsDeadLetter, DaprNames.Routes.WeatherRequestsDeadLetter.TrimStart('/'), null),
            ],
            found);
    }

    [Fact]
    public async Task Terminals_endpoint_shows_capacity_busy_and_each_terminal()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        using var delivered = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-1")), Ct);

        var state = await client.GetFromJsonAsync<JsonElement>("/terminals", Ct);

        Assert.Equal(4, state.GetProperty("capacity").GetInt32());
        Assert.Equal(0, state.GetProperty("busy").GetInt32());
        var terminals = state.GetProperty("terminals").EnumerateArray().ToArray();
        Assert.Equal(["terminal-1", "terminal-2", "terminal-3", "terminal-4"], terminals.Select(t => t.GetProperty("id").GetString()));
        Assert.All(terminals, t => Assert.Equal(JsonValueKind.Null, t.GetProperty("currentRequestId").ValueKind));
        Assert.Equal(1, terminals.Sum(t => t.GetProperty("processed").GetInt64()));
    }

    [Fact]
    public async Task OpenAPI_document_describes_the_terminals_endpoint_with_an_example()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json", Ct);

        Assert.True(document.GetProperty("paths").TryGetProperty("/terminals", out var terminals));
        Assert.True(terminals.TryGetProperty("get", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty(DaprNames.Routes.WeatherRequests, out _));
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("TerminalPoolState");
        // OpenAPI 3.0 documents carry it as "example", 3.1 ones as "examples".
        var example = schema.TryGetProperty("example", out var single) ? single : schema.GetProperty("examples")[0];
        Assert.Equal(4, example.GetProperty("capacity").GetInt32());
        Assert.Equal("terminal-1", example.GetProperty("terminals")[0].GetProperty("id").GetString());
    }

    // Public even with APP_API_TOKEN set (security: []), no parameters, no body: nothing a client
    // sends can make it answer a 4xx.
    private static readonly AcceptedLintProblem TerminalsAnswersNo4xx = new(
        "operation-4xx-response", "/paths/~1terminals/get/responses",
        "GET /terminals takes no input and is public, so it has no 4xx to declare.");

    [Theory]
    [InlineData(null)]
    [InlineData("s3cret")]
    public async Task OpenAPI_document_passes_the_Redocly_recommended_rules(string? appToken)
    {
        await using var factory = new ProxyFactory(appToken);
        using var client = factory.CreateClient();

        var document = await client.GetStringAsync("/swagger/v1/swagger.json", Ct);
        var lint = await OpenApiLint.RunAsync(document, appToken is null ? "proxy" : "proxy-with-app-token", Ct, [TerminalsAnswersNo4xx]);

        Assert.True(lint.Clean, lint.Report);
    }

    [Fact]
    public async Task Redocly_counts_the_missing_4xx_of_GET_terminals_unless_it_is_accepted_and_still_lists_it()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        var document = await client.GetStringAsync("/swagger/v1/swagger.json", Ct);

        var strict = await OpenApiLint.RunAsync(document, "proxy", Ct);
        var accepting = await OpenApiLint.RunAsync(document, "proxy", Ct, [TerminalsAnswersNo4xx]);

        Assert.False(strict.Clean, strict.Report);
        Assert.Equal((0, 1), (strict.Errors, strict.Warnings));
        Assert.Contains("operation-4xx-response /paths/~1terminals/get/responses:", strict.Report, StringComparison.Ordinal);
        Assert.True(accepting.Clean, accepting.Report);
        Assert.Equal((0, 0), (accepting.Errors, accepting.Warnings));
        Assert.Contains($"(accepted: {TerminalsAnswersNo4xx.Reason})", accepting.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_accepted_lint_problem_that_Redocly_does_not_report_fails_the_lint()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        var document = await client.GetStringAsync("/swagger/v1/swagger.json", Ct);
        // The delivery declares its 400 and 415, so this rule has nothing to say about it.
        var stale = new AcceptedLintProblem("operation-4xx-response", "/paths/~1events~1weather-requests/post/responses", "stale");

        var lint = await OpenApiLint.RunAsync(document, "proxy", Ct, [TerminalsAnswersNo4xx, stale]);

        Assert.False(lint.Clean, lint.Report);
        Assert.Equal([stale], lint.NotReported);
        Assert.Contains("accepted but not reported: operation-4xx-response /paths/~1events~1weather-requests/post/responses", lint.Report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_APP_API_TOKEN_set_the_OpenAPI_document_asks_for_the_token_on_deliveries_only()
    {
        await using var factory = new ProxyFactory(appToken: "s3cret");
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json", Ct);

        var paths = document.GetProperty("paths");
        var delivery = paths.GetProperty(DaprNames.Routes.WeatherRequests).GetProperty("post");
        Assert.True(delivery.GetProperty("security")[0].TryGetProperty("DaprAppToken", out _));
        Assert.True(delivery.GetProperty("responses").TryGetProperty("401", out _));
        Assert.Equal(0, paths.GetProperty("/terminals").GetProperty("get").GetProperty("security").GetArrayLength());
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("DaprAppToken");
        Assert.Equal(DaprAppToken.HeaderName, scheme.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Deliveries_without_the_app_token_are_unauthorized_when_APP_API_TOKEN_is_set()
    {
        await using var factory = new ProxyFactory(appToken: "s3cret");
        using var client = factory.CreateClient();

        using var withoutToken = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-1")), Ct);
        using var wrongToken = new HttpRequestMessage(HttpMethod.Post, DaprNames.Routes.WeatherRequests) { Content = CloudEvent(RequestData("request-1")) };
        wrongToken.Headers.Add(DaprAppToken.HeaderName, "guess");
        using var wrongTokenResponse = await client.SendAsync(wrongToken, Ct);
        using var withToken = new HttpRequestMessage(HttpMethod.Post, DaprNames.Routes.WeatherRequests) { Content = CloudEvent(RequestData("request-1")) };
        withToken.Headers.Add(DaprAppToken.HeaderName, "s3cret");
        using var withTokenResponse = await client.SendAsync(withToken, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongTokenResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withTokenResponse.StatusCode);
        await factory.Dapr.Received(1).PublishEventAsync(
            DaprNames.PubSub, DaprNames.Topics.WeatherResponses, Arg.Any<WeatherReply>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Metrics_endpoint_exposes_the_instrument_names_the_dashboards_use()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();
        using var delivered = await client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-1")), Ct);

        var metrics = await client.GetStringAsync("/metrics", Ct);

        Assert.Contains("proxy_terminals_busy", metrics, StringComparison.Ordinal);
        Assert.Contains("proxy_terminals_capacity", metrics, StringComparison.Ordinal);
        Assert.Contains("proxy_requests_processed_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("proxy_processing_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fresh_proxy_exports_its_counters_at_zero()
    {
        await using var factory = new ProxyFactory();
        using var client = factory.CreateClient();

        var metrics = await client.GetStringAsync("/metrics", Ct);

        var notAtZero = PrometheusText.NotAtZero(metrics,
        [
            ("proxy_requests_processed_total", "terminal=\"terminal-1\""),
            ("proxy_requests_retried_total", "reason=\"busy\""),
            ("proxy_requests_retried_total", "reason=\"store_failed\""),
            ("proxy_requests_retried_total", "reason=\"poison\""),
            ("proxy_requests_duplicate_total", ""),
            ("proxy_requests_deadlettered_total", ""),
        ]);

        Assert.True(notAtZero.Count == 0, $"not at 0: {string.Join(", ", notAtZero)} in /metrics:\n{metrics}");
    }

    [Fact]
    public async Task Stopping_the_host_waits_for_work_in_progress_on_a_terminal()
    {
        var factory = new ProxyFactory(processingTime: TimeSpan.FromMilliseconds(300));
        using var client = factory.CreateClient();
        var pool = factory.Services.GetRequiredService<TerminalPool>();
        var delivery = client.PostAsync(DaprNames.Routes.WeatherRequests, CloudEvent(RequestData("request-1")), Ct);
        await Eventually.Until(() => pool.Busy == 1, TestData.Timeout, "the delivery should be on a terminal", TimeSpan.FromMilliseconds(10));

        await factory.DisposeAsync().AsTask().WaitAsync(TestData.Timeout, Ct);

        Assert.True(pool.IsStopping);
        Assert.Equal(1, pool.Snapshot().Terminals.Sum(t => t.Processed));
        Assert.Equal(0, pool.Busy);
        // How the delivery's own HTTP exchange ends once the server is gone does not matter here.
        _ = delivery.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}

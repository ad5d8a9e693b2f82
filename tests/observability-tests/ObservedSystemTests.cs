using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Observability.Tests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using RedisStreamDemo.Contracts;
using TestSupport;

namespace Observability.Tests;

// What an operator relies on, checked against the running system: the metric names the dashboards
// and alerts query, one trace per request across pub/sub, and the Swagger UI in a real browser.
public sealed class ObservedSystemTests(ObservedStack system, ITestOutputHelper output) : IClassFixture<ObservedStack>
{
    private const string RequestIdTag = "weather.request_id";
    // Spans arrive within a second (OTEL_BSP_SCHEDULE_DELAY=200); counters on the next scrape.
    private static readonly TimeSpan ExportDeadline = TimeSpan.FromSeconds(15);

    // Dead letters go through the sidecar's retry policy first, and purging waits for Workflows:Retention.
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_app_metric_a_dashboard_or_alert_rule_queries_is_in_the_apps_scrapes()
    {
        var used = DashboardMetrics.AppMetricsUsed();
        Assert.True(used.Count > 0, "No app metric found in observability/ (dashboards and alert rules): the expression reader is broken.");

        // Traffic for every instrument: answered and invalid requests, a poison message (dead-lettered),
        // a request delivered twice (duplicate), and workflows old enough to be purged.
        for (var i = 0; i < 3; i++)
        {
            await ForecastAsync($"Metricton {(char)('A' + i)}");
        }
        using (var invalid = await PostCityAsync("R2-D2 <script>"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        await PublishRequestAsync("""{"requestId":"","city":""}""");
        var duplicate = JsonSerializer.Serialize(
            new WeatherRequest(Guid.NewGuid().ToString("N"), "Twiceville", null, DateTimeOffset.UtcNow), JsonSerializerOptions.Web);
        await PublishRequestAsync(duplicate);
        await PublishRequestAsync(duplicate);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        var missing = await Eventually.LastSeen(() => MissingAsync(used), m => m.Count == 0, ScrapeDeadline);
        output.WriteLine($"{used.Count} series names checked; waited {waited.Elapsed.TotalSeconds:0.0} s for them");

        Assert.True(missing.Count == 0,
            $"{missing.Count} metric(s) queried by dashboards or alert rules are not in the apps' /metrics:{Environment.NewLine}" +
            string.Join(Environment.NewLine, missing));
    }

    // Queries whose data only a fault produces, with the fault. Their selectors are still checked where
    // they are alert rules; a panel listed here may come back empty.
    private static readonly Dictionary<string, string> NeedsAFault = new(StringComparer.Ordinal)
    {
        ["dapr-sidecars.json panel 'Policy activations (retries, breaker changes)'"] =
            "dapr_resiliency_activations_total counts a retry, a timed-out attempt or a breaker state change (a RETRY answer, Redis down)",
    };

    /// <summary>
    /// A real Prometheus scrapes the sidecars' --metrics-port with observability/prometheus/prometheus.local.yml
    /// (its jobs, labels and alert rules; only the ports moved) while the stack serves requests. Every
    /// dashboard panel query over the sidecars' metrics must then return a series with a number (a
    /// histogram_quantile over buckets that did not move is NaN: not data), unless listed in
    /// <see cref="NeedsAFault"/>; every alert rule must be accepted and each of its sidecar selectors
    /// (dapr_* or the dapr-sidecars job) must match live series, though the rule itself fires only on
    /// its fault.
    /// </summary>
    [Fact]
    public async Task Every_dapr_query_of_the_dashboards_and_alert_rules_returns_data_from_a_live_Prometheus_scrape()
    {
        var queries = DashboardMetrics.SidecarQueries();
        Assert.True(queries.Count > 0, "No dapr_* query found in observability/: the expression reader is broken.");
        var cancellationToken = TestContext.Current.CancellationToken;
        var ingress = system.Ingress;
        var proxy = system.Proxy;
        await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["dapr-sidecars"] = new Dictionary<string, int>
            {
                [DaprNames.AppIds.Ingress] = ingress.MetricsPort ?? throw new InvalidOperationException("the ingress sidecar has no --metrics-port"),
                [DaprNames.AppIds.Proxy] = proxy.MetricsPort ?? throw new InvalidOperationException("the proxy sidecar has no --metrics-port"),
            },
            ["apps"] = new Dictionary<string, int> { [DaprNames.AppIds.Ingress] = ingress.AppPort, [DaprNames.AppIds.Proxy] = proxy.AppPort },
        }, cancellationToken);

        // The first request creates the series; Prometheus must have scraped them before the rest moves
        // them, or a rate over their first samples is 0 and a quantile NaN.
        await ForecastAsync("Scrapeton A");
        var seen = await Eventually.LastSeen(() => prometheus.QueryAsync("dapr_component_pubsub_ingress_count", cancellationToken),
            series => series.Count >= 2, ScrapeDeadline);
        Assert.True(seen.Count >= 2, $"Prometheus never scraped the sidecars' deliveries: {seen.Count} series.{Environment.NewLine}{system.Diagnostics()}");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await ForecastAsync($"Scrapeton {(char)('B' + i)}");
        }
        await PublishRequestAsync("""{"requestId":"","city":""}""");

        // Every check polled in rounds against one deadline: a slow one must not push the others past
        // their 1m rate window.
        var checks = queries.SelectMany(q => (q.IsRule ? DashboardMetrics.SidecarSelectors(q.Expression) : [q.Expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal)])
            .Select(check => (q.Where, Check: check, q.IsRule))).ToList();
        var results = new Dictionary<string, IReadOnlyList<(string Labels, double Value)>>(StringComparer.Ordinal);
        static bool HasData(IReadOnlyList<(string Labels, double Value)> result) => result.Any(s => double.IsFinite(s.Value));
        bool Expected((string Where, string Check, bool IsRule) c) => c.IsRule || !NeedsAFault.ContainsKey(c.Where);
        await Eventually.LastSeen(async () =>
        {
            foreach (var check in checks.Where(c => !results.TryGetValue(c.Check, out var r) || !HasData(r)))
            {
                results[check.Check] = await prometheus.QueryAsync(check.Check, cancellationToken);
            }
            return checks.Where(Expected).All(c => HasData(results[c.Check]));
        }, done => done, ScrapeDeadline);

        var failures = new List<string>();
        foreach (var (where, expression, isRule) in queries.Where(q => q.IsRule))
        {
            // Accepted by Prometheus (it loaded the rule file too); firing needs the rule's fault.
            var firing = await prometheus.QueryAsync(expression, cancellationToken);
            output.WriteLine($"{where}: {(firing.Count == 0 ? "not firing" : $"FIRING ({firing.Count} series)")}");
        }
        foreach (var check in checks)
        {
            var result = results[check.Check];
            var data = HasData(result);
            output.WriteLine($"{(data ? "data   " : "NO DATA")} {check.Where}: {check.Check} -> {string.Join("; ", result.Take(4).Select(r => $"{r.Labels} {r.Value}"))}");
            if (data)
            {
                continue;
            }
            if (!Expected(check))
            {
                output.WriteLine($"        needs a fault: {NeedsAFault[check.Where]}");
            }
            else
            {
                failures.Add($"{check.Where}: {check.Check} returned {(result.Count == 0 ? "no series" : "only NaN")}");
            }
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} sidecar quer(ies) of the dashboards or alert rules return no data from a live scrape:{Environment.NewLine}" +
            string.Join(Environment.NewLine, failures) + Environment.NewLine + system.Diagnostics());
    }

    [Fact]
    public async Task The_trace_context_crosses_pub_sub_from_the_ingress_publish_to_the_proxy()
    {
        var requestId = await ForecastAsync("Tracetown");

        var spans = await ExportedSpansAsync(all => PublishTrace(all, requestId) is not null);

        Assert.Equal(0, system.Collector.RejectedBatches);
        var tagged = spans.Where(s => s.Tags.GetValueOrDefault(RequestIdTag) == requestId).ToList();
        Assert.True(tagged.Any(s => s.ServiceName == DaprNames.AppIds.Ingress) && tagged.Any(s => s.ServiceName == DaprNames.AppIds.Proxy),
            $"Both apps should tag a span with {RequestIdTag}={requestId}.{Environment.NewLine}{Describe(spans, requestId)}");
        Assert.True(PublishTrace(spans, requestId) is not null,
            $"No trace holds both the ingress's publish of request {requestId} and the proxy's handling of it: the CloudEvent's " +
            $"traceparent did not carry the context across pub/sub.{Environment.NewLine}{Describe(spans, requestId)}");
        output.WriteLine(Describe(spans, requestId));
    }

    [Fact]
    public async Task One_request_is_one_trace_from_the_ingress_HTTP_request_to_the_proxy()
    {
        var requestId = await ForecastAsync("Onetrace");

        var spans = await ExportedSpansAsync(
            all => RequestTrace(all, requestId) is { } trace && all.Any(s => s.TraceId == trace && s.ServiceName == DaprNames.AppIds.Proxy));

        var trace = RequestTrace(spans, requestId);
        Assert.True(trace is not null,
            $"The ingress exported no server span for POST {PublicRoutes.City} of request {requestId}.{Environment.NewLine}{Describe(spans, requestId)}");
        var publish = spans.FirstOrDefault(s => s.ServiceName == DaprNames.AppIds.Ingress && s.Kind == "PRODUCER" && s.Tags.GetValueOrDefault(RequestIdTag) == requestId);
        var hint = publish is { ParentId: null } && publish.TraceId != trace
            ? $"The ingress's publish span '{publish.Name}' is the root of a new trace: the workflow activity ran without the " +
              "request's trace context (ActivityRequest.parentTraceContext was empty when the workflow engine dispatched it)."
            : "";
        Assert.True(spans.Any(s => s.TraceId == trace && s.ServiceName == DaprNames.AppIds.Proxy && s.Tags.GetValueOrDefault(RequestIdTag) == requestId),
            $"The proxy's spans for request {requestId} are not in the trace of the ingress's HTTP request ({trace}). {hint}" +
            $"{Environment.NewLine}{Describe(spans, requestId)}");
        output.WriteLine(Describe(spans, requestId));
    }

    [Fact]
    public async Task The_proxy_reply_store_read_and_write_are_in_the_request_trace()
    {
        var requestId = await ForecastAsync("Storeton");

        // The proxy's gRPC client spans for the state API, under its span for the request.
        static bool IsStateCall(ZipkinSpan span, string method) =>
            span.ServiceName == DaprNames.AppIds.Proxy && span.Kind == "CLIENT" && span.Name.EndsWith("/" + method, StringComparison.Ordinal);
        var spans = await ExportedSpansAsync(
            all => RequestTrace(all, requestId) is { } trace
                && all.Any(s => s.TraceId == trace && IsStateCall(s, "GetState"))
                && all.Any(s => s.TraceId == trace && IsStateCall(s, "SaveState")));

        var trace = RequestTrace(spans, requestId);
        Assert.True(trace is not null && spans.Any(s => s.TraceId == trace && IsStateCall(s, "GetState")) && spans.Any(s => s.TraceId == trace && IsStateCall(s, "SaveState")),
            $"The proxy's reply-store calls (GetState, SaveState) for request {requestId} are not in its trace.{Environment.NewLine}{Describe(spans, requestId)}");
        // One client span per sidecar call: the gRPC span, with no HTTP/2 "POST" span nested under it.
        Assert.DoesNotContain(spans, s => s.TraceId == trace && s.Kind == "CLIENT" && s.Name.Equals("POST", StringComparison.OrdinalIgnoreCase));
        output.WriteLine(Describe(spans, requestId));
    }

    [Fact]
    public void Swagger_UI_in_a_browser_runs_a_city_forecast_and_shows_the_reply()
    {
        const string city = "Swagger Town";
        var ingress = system.Ingress;
        using var browser = Browser.Start();
        var driver = browser.Driver;
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        string? screenshot = null;
        try
        {
            driver.Navigate().GoToUrl(ingress.SwaggerUrl);
            var operation = wait.Until(d => d.FindElement(By.Id("operations-WeatherForecast-RequestCityForecast")));
            operation.FindElement(By.CssSelector(".opblock-summary-control")).Click();
            wait.Until(_ => operation.FindElement(By.CssSelector(".try-out__btn"))).Click();

            var body = wait.Until(_ => operation.FindElement(By.CssSelector("textarea.body-param__text")));
            // Swagger UI is React: select-all and type, so its own change handler sees the new body.
            body.SendKeys(Keys.Control + "a");
            body.SendKeys(Keys.Delete);
            body.SendKeys($$"""{"city":"{{city}}"}""");
            operation.FindElement(By.CssSelector("button.execute")).Click();

            var status = wait.Until(_ => operation.FindElement(By.CssSelector(".live-responses-table .response .response-col_status")));
            var responseBody = wait.Until(_ =>
                operation.FindElement(By.CssSelector(".live-responses-table .response .response-col_description pre")).Text is { Length: > 0 } text ? text : null);
            screenshot = browser.Screenshot("swagger-city-forecast");

            Assert.Equal("200", status.Text.Trim());
            using var reply = JsonDocument.Parse(responseBody);
            Assert.Equal(city, reply.RootElement.GetProperty("city").GetString());
            Assert.True(reply.RootElement.GetProperty("forecasts").GetArrayLength() > 0, responseBody);
        }
        finally
        {
            screenshot ??= browser.Screenshot("swagger-city-forecast-failed");
            output.WriteLine($"Screenshot: {screenshot}");
            TestContext.Current.AddAttachment(Path.GetFileName(screenshot), File.ReadAllBytes(screenshot), "image/png");
        }
    }

    // The trace in which the ingress published the request and the proxy handled it.
    // The spans the collector holds once they satisfy the condition, or at the export deadline (the
    // test's assertions then say what is missing).
    private Task<IReadOnlyList<ZipkinSpan>> ExportedSpansAsync(Func<IReadOnlyList<ZipkinSpan>, bool> until) =>
        Eventually.LastSeen(() => Task.FromResult(system.Collector.Spans), until, ExportDeadline);

    private static string? PublishTrace(IReadOnlyList<ZipkinSpan> spans, string requestId)
    {
        var tagged = spans.Where(s => s.Tags.GetValueOrDefault(RequestIdTag) == requestId).ToList();
        return tagged
            .Where(s => s.ServiceName == DaprNames.AppIds.Ingress && s.Kind == "PRODUCER")
            .Select(s => s.TraceId)
            .FirstOrDefault(trace => tagged.Any(s => s.TraceId == trace && s.ServiceName == DaprNames.AppIds.Proxy));
    }

    // The trace of the ingress's HTTP server span for POST /WeatherForecast/city that handled the request.
    private static string? RequestTrace(IReadOnlyList<ZipkinSpan> spans, string requestId)
    {
        var ingressTraces = spans
            .Where(s => s.ServiceName == DaprNames.AppIds.Ingress && s.Tags.GetValueOrDefault(RequestIdTag) == requestId)
            .Select(s => s.TraceId)
            .ToHashSet(StringComparer.Ordinal);
        return spans.FirstOrDefault(s =>
            s.ServiceName == DaprNames.AppIds.Ingress && s.Kind == "SERVER" && ingressTraces.Contains(s.TraceId)
            && s.Name.EndsWith(PublicRoutes.City, StringComparison.Ordinal))?.TraceId;
    }

    // Every trace holding a span of the request, span by span: shows where a trace breaks.
    private static string Describe(IReadOnlyList<ZipkinSpan> spans, string requestId)
    {
        var traces = spans.Where(s => s.Tags.GetValueOrDefault(RequestIdTag) == requestId).Select(s => s.TraceId).Distinct().ToList();
        var text = new StringBuilder($"{spans.Count} spans collected; traces with request {requestId}: {traces.Count}");
        foreach (var trace in traces)
        {
            text.AppendLine().Append("trace ").Append(trace);
            foreach (var span in spans.Where(s => s.TraceId == trace))
            {
                text.AppendLine().Append("  ").Append(span);
            }
        }
        return text.ToString();
    }

    private async Task<List<string>> MissingAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> used)
    {
        var ingress = PrometheusText.SeriesNames(await PrometheusText.ScrapeAsync(system.Http, system.Ingress.Url, TestContext.Current.CancellationToken));
        var proxy = PrometheusText.SeriesNames(await PrometheusText.ScrapeAsync(system.Http, system.Proxy.Url, TestContext.Current.CancellationToken));
        var missing = new List<string>();
        foreach (var (name, where) in used.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var apps = name.StartsWith("ingress_", StringComparison.Ordinal) ? [(DaprNames.AppIds.Ingress, ingress)]
                : name.StartsWith("proxy_", StringComparison.Ordinal) ? [(DaprNames.AppIds.Proxy, proxy)]
                : new[] { (DaprNames.AppIds.Ingress, ingress), (DaprNames.AppIds.Proxy, proxy) };
            missing.AddRange(apps.Where(app => !app.Item2.Contains(name))
                .Select(app => $"{name} (not in {app.Item1} /metrics; used by {string.Join(", ", where)})"));
        }
        return missing;
    }

    private async Task<string> ForecastAsync(string city)
    {
        using var response = await PostCityAsync(city);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {city}: {(int)response.StatusCode} {body}{Environment.NewLine}{system.Diagnostics()}");
        using var reply = JsonDocument.Parse(body);
        return reply.RootElement.GetProperty("requestId").GetString() ?? throw new InvalidOperationException($"No requestId in {body}");
    }

    private Task<HttpResponseMessage> PostCityAsync(string city) =>
        new IngressClient(system.Http, system.Ingress.Url).PostCityAsync(city, cancellationToken: TestContext.Current.CancellationToken);

    // Straight onto the topic through the ingress's sidecar, as a misbehaving publisher would.
    private async Task PublishRequestAsync(string json)
    {
        var sidecar = system.Ingress.DaprHttpUrl;
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await system.Http.PostAsync(
            new Uri(sidecar, $"/v1.0/publish/{DaprNames.PubSub}/{DaprNames.Topics.WeatherRequests}"), content, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"publish: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }
}

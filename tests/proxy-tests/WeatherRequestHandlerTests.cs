using Dapr;
using Dapr.Client;
using RedisStreamDemo.Proxy.Forecasts;
using RedisStreamDemo.Proxy.Requests;
using RedisStreamDemo.ServiceDefaults;

namespace Proxy.Tests;

public sealed class WeatherRequestHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_is_processed_on_a_terminal_and_its_reply_published()
    {
        await using var proxy = new ProxyHarness();
        var request = TestData.Request();

        var response = await proxy.Handler.HandleAsync(request, Ct);

        Assert.Equal(TopicResponse.Success, response);
        await proxy.ReplyPublished(1, reply =>
            reply.RequestId == request.RequestId
            && reply.City == request.City
            && reply.Location == request.Location
            && reply.Terminal == "terminal-1"
            && reply.Forecasts.SequenceEqual(ForecastGenerator.ForDays("Oslo", new DateOnly(2025, 6, 1))));
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.processed", "terminal", "terminal-1"));
        Assert.Equal(1, proxy.Metrics.Count("proxy.processing.duration"));
    }

    [Fact]
    public async Task Forecasts_start_at_the_utc_date_of_the_request()
    {
        await using var proxy = new ProxyHarness();
        var lateEvening = TestData.Request() with { RequestedAt = new DateTimeOffset(2025, 6, 1, 22, 0, 0, TimeSpan.FromHours(-5)) };

        await proxy.Handler.HandleAsync(lateEvening, Ct);

        await proxy.ReplyPublished(1, reply => reply.Forecasts[0].Date == new DateOnly(2025, 6, 2));
    }

    [Fact]
    public async Task A_redelivered_request_republishes_the_remembered_reply_without_processing_again()
    {
        await using var proxy = new ProxyHarness();
        var published = new List<WeatherReply>();
        proxy.Dapr.ReplyPublish(Arg.Do<WeatherReply>(published.Add)).Returns(Task.CompletedTask);

        var first = await proxy.Handler.HandleAsync(TestData.Request(), Ct);
        var redelivered = await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal(TopicResponse.Success, first);
        Assert.Equal(TopicResponse.Success, redelivered);
        Assert.Equal(1, proxy.ProcessedByTerminals);
        Assert.Equal(2, published.Count);
        Assert.Same(published[0], published[1]);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.duplicate"));
    }

    [Fact]
    public async Task A_request_whose_reply_another_process_saved_is_republished_not_processed()
    {
        await using var proxy = new ProxyHarness();
        var saved = TestData.Reply() with { Terminal = "terminal-9" };
        proxy.SavedReplies[saved.RequestId] = saved;

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal(TopicResponse.Success, response);
        Assert.Equal(0, proxy.ProcessedByTerminals);
        await proxy.ReplyPublished(1, reply => ReferenceEquals(reply, saved));
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.duplicate"));
    }

    [Fact]
    public async Task The_reply_is_saved_with_the_retention_as_ttl_before_it_is_published()
    {
        await using var proxy = new ProxyHarness(settings: new Dictionary<string, string?> { ["Replies:Retention"] = "00:05:00" });
        var savedWhenPublished = new List<bool>();
        proxy.Dapr.ReplyPublish(Arg.Do<WeatherReply>(r => savedWhenPublished.Add(proxy.SavedReplies.ContainsKey(r.RequestId)))).Returns(Task.CompletedTask);

        await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal([true], savedWhenPublished);
        await proxy.Dapr.Received(1).SaveStateAsync(DaprNames.ReplyStore, "request-1", Arg.Any<WeatherReply>(), Arg.Any<StateOptions?>(),
            Arg.Is<IReadOnlyDictionary<string, string>?>(m => m != null && m["ttlInSeconds"] == "300"), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_unreachable_reply_store_answers_retry_without_processing()
    {
        await using var proxy = new ProxyHarness();
        proxy.Dapr.ReplyRead().Returns(Task.FromException<WeatherReply?>(new DaprException("State operation failed")));

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal(TopicResponse.Retry, response);
        Assert.Equal(0, proxy.ProcessedByTerminals);
        await proxy.ReplyPublished(0);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", "store_failed"));
    }

    // A reply that cannot be saved is not published, so the retry processes the request again; a reply
    // saved but not published is only republished by the retry.
    [Theory]
    [InlineData("save", 2, 1, "store_failed")]
    [InlineData("publish", 1, 2, "publish_failed")]
    public async Task A_failed_save_or_publish_of_the_reply_answers_retry_and_the_retry_completes_the_request(
        string failingCall, int processed, int published, string reason)
    {
        await using var proxy = new ProxyHarness();
        var failsOnce = failingCall == "save" ? proxy.Dapr.ReplySave() : proxy.Dapr.ReplyPublish(Arg.Any<WeatherReply>());
        failsOnce.Returns(Task.FromException(new DaprException($"{failingCall} failed")), Task.CompletedTask);

        var failed = await proxy.Handler.HandleAsync(TestData.Request(), Ct);
        var retried = await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal(TopicResponse.Retry, failed);
        Assert.Equal(TopicResponse.Success, retried);
        Assert.Equal(processed, proxy.ProcessedByTerminals);
        await proxy.ReplyPublished(published);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", reason));
    }

    [Fact]
    public async Task A_reply_store_that_hangs_past_the_store_timeout_answers_retry()
    {
        await using var proxy = new ProxyHarness(settings: new Dictionary<string, string?> { ["Replies:StoreTimeout"] = "00:00:00.200" });
        proxy.Dapr.ReplyRead().Returns(call => TestData.HangUntilCancelled<WeatherReply?>(call.Arg<CancellationToken>()));

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct).WaitAsync(TestData.Timeout, Ct);

        Assert.Equal(TopicResponse.Retry, response);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", "store_failed"));
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_request_are_processed_once()
    {
        await using var proxy = new ProxyHarness(terminals: 4, processingTime: TimeSpan.FromMilliseconds(100));

        var responses = await Task.WhenAll(
                proxy.Handler.HandleAsync(TestData.Request(), Ct),
                proxy.Handler.HandleAsync(TestData.Request(), Ct),
                proxy.Handler.HandleAsync(TestData.Request(), Ct))
            .WaitAsync(TestData.Timeout, Ct);

        Assert.All(responses, response => Assert.Equal(TopicResponse.Success, response));
        Assert.Equal(1, proxy.ProcessedByTerminals);
        await proxy.ReplyPublished(1);
        Assert.Equal(2, proxy.Metrics.Sum("proxy.requests.duplicate"));
    }

    [Fact]
    public async Task Different_requests_are_processed_side_by_side_on_different_terminals()
    {
        await using var proxy = new ProxyHarness(terminals: 2, processingTime: TimeSpan.FromMilliseconds(50));
        var terminals = new List<string>();
        proxy.Dapr.ReplyPublish(Arg.Do<WeatherReply>(r => { lock (terminals) { terminals.Add(r.Terminal); } })).Returns(Task.CompletedTask);

        await Task.WhenAll(
                proxy.Handler.HandleAsync(TestData.Request("request-1"), Ct),
                proxy.Handler.HandleAsync(TestData.Request("request-2"), Ct))
            .WaitAsync(TestData.Timeout, Ct);

        Assert.Equal(["terminal-1", "terminal-2"], terminals.Order());
    }

    [Fact]
    public async Task Busy_terminals_past_acquire_timeout_answer_retry()
    {
        await using var proxy = new ProxyHarness(terminals: 1, acquireTimeout: TimeSpan.FromMilliseconds(50));
        using var holder = await proxy.Terminals.TryAcquireAsync("holder", Ct);

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct).WaitAsync(TestData.Timeout, Ct);

        Assert.Equal(TopicResponse.Retry, response);
        await proxy.ReplyPublished(0);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", "busy"));
        Assert.Empty(proxy.SavedReplies);
    }

    [Fact]
    public async Task Deliveries_during_shutdown_answer_retry()
    {
        await using var proxy = new ProxyHarness();
        proxy.Terminals.StopAccepting();

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct);

        Assert.Equal(TopicResponse.Retry, response);
        Assert.Equal(0, proxy.ProcessedByTerminals);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", "shutting_down"));
    }

    [Fact]
    public async Task A_publish_that_hangs_past_the_publish_timeout_answers_retry()
    {
        await using var proxy = new ProxyHarness(settings: new Dictionary<string, string?> { ["Replies:PublishTimeout"] = "00:00:00.200" });
        proxy.Dapr.ReplyPublish(Arg.Any<WeatherReply>()).Returns(call => Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>()));

        var response = await proxy.Handler.HandleAsync(TestData.Request(), Ct).WaitAsync(TestData.Timeout, Ct);

        Assert.Equal(TopicResponse.Retry, response);
        Assert.True(proxy.SavedReplies.ContainsKey("request-1"));
    }

    [Theory]
    [InlineData(null, "Oslo")]
    [InlineData("", "Oslo")]
    [InlineData("request-1", " ")]
    [InlineData("request||1", "Oslo")]
    public async Task Poison_requests_are_answered_drop_so_dapr_dead_letters_them(string? requestId, string? city)
    {
        await using var proxy = new ProxyHarness();

        // The wire can carry the nulls the contract's annotations rule out.
        var response = await proxy.Handler.HandleAsync(new WeatherRequest(requestId!, city!, null, TestData.RequestedAt), Ct);

        Assert.Equal(TopicResponse.Drop, response);
        Assert.Equal(0, proxy.ProcessedByTerminals);
        await proxy.ReplyPublished(0);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.retried", "reason", "poison"));
    }

    [Fact]
    public async Task An_unreadable_delivery_is_answered_drop()
    {
        await using var proxy = new ProxyHarness();

        Assert.Equal(TopicResponse.Drop, await proxy.Handler.HandleAsync(null, Ct));
    }

    [Fact]
    public async Task A_dead_letter_that_is_no_request_is_counted_and_answered_success()
    {
        await using var proxy = new ProxyHarness();

        var response = await proxy.Handler.HandleDeadLetterAsync(TestData.Request() with { City = " " }, Ct);

        Assert.Equal(TopicResponse.Success, response);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.deadlettered"));
        await proxy.ReplyPublished(0);
    }

    // The proxy was down or busy for longer than the inbound retry budget: the request reached the
    // dead-letter topic, and is answered from there rather than lost.
    [Fact]
    public async Task A_dead_lettered_request_is_still_processed_and_its_reply_published()
    {
        await using var proxy = new ProxyHarness();
        var request = TestData.Request();

        var response = await proxy.Handler.HandleDeadLetterAsync(request, Ct);

        Assert.Equal(TopicResponse.Success, response);
        Assert.Equal(1, proxy.Metrics.Sum("proxy.requests.deadlettered"));
        await proxy.ReplyPublished(1, reply => reply.RequestId == request.RequestId && reply.City == request.City);
    }

    [Fact]
    public async Task Terminal_gauges_report_capacity_and_busy_terminals()
    {
        await using var proxy = new ProxyHarness(terminals: 3);
        _ = proxy.Handler;
        using var lease = await proxy.Terminals.TryAcquireAsync("request-1", Ct);

        Assert.Equal(3, proxy.Metrics.Observe("proxy.terminals.capacity"));
        Assert.Equal(1, proxy.Metrics.Observe("proxy.terminals.busy"));
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Workflow;
using Grpc.Core;
using NSubstitute.ExceptionExtensions;
using RedisStreamDemo.Ingress.Workflows;
using TestSupport;

namespace Ingress.Tests;

public sealed class ForecastApiTests : IAsyncDisposable
{
    private readonly IngressFactory factory = new IngressFactory().With("Forecasts:ReplyWait", "00:00:00.300");

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Post_answered_within_the_wait_returns_200_with_the_reply()
    {
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(call => WorkflowStates.Completed(
                ForecastWorkflowResult.Answered(Replies.For(call.ArgAt<string>(0)), DateTime.UtcNow)));
        var client = factory.CreateClient();

        var response = await client.PostCityAsync("""{"city": " Oslo ", "location": "Sentrum"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<WeatherReply>(Cancellation);
        Assert.NotNull(reply);
        Assert.Equal(32, reply.RequestId.Length);
        Assert.Equal("terminal-1", reply.Terminal);
        Assert.Single(reply.Forecasts);
    }

    [Fact]
    public async Task Post_schedules_one_workflow_with_a_fresh_id_and_the_configured_deadline()
    {
        factory.With("Correlation:ReplyDeadline", "00:02:00");
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(call => HttpHelpers.NeverFinishes(call.ArgAt<CancellationToken>(2)));
        var client = factory.CreateClient();

        var first = await (await client.PostCityAsync("""{"city": " Oslo "}""")).ReadJsonAsync();
        var second = await (await client.PostCityAsync("""{"city": "Oslo"}""")).ReadJsonAsync();

        var firstId = first.GetProperty("requestId").GetString();
        Assert.NotEqual(firstId, second.GetProperty("requestId").GetString());
        Assert.True(Guid.TryParseExact(firstId, "N", out _));
        await factory.Workflows.Received(1).ScheduleNewWorkflowAsync(
            nameof(ForecastWorkflow),
            firstId!,
            Arg.Is<ForecastWorkflowInput>(input => input.ReplyDeadline == TimeSpan.FromMinutes(2)
                && input.Request.City == "Oslo"
                && input.Request.RequestId == firstId),
            null,
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Post_without_reply_within_the_wait_returns_202_with_a_status_location()
    {
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(call => HttpHelpers.NeverFinishes(call.ArgAt<CancellationToken>(2)));
        var client = factory.CreateClient();

        var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("requestId").GetString();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(PublicRoutes.Request(id ?? ""), response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Post_preferring_respond_async_returns_202_at_once()
    {
        var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, PublicRoutes.City)
        {
            Content = HttpHelpers.Json("""{"city": "Oslo"}"""),
        };
        request.Headers.Add("Prefer", "respond-async");

        var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("respond-async", Assert.Single(response.Headers.GetValues("Preference-Applied")));
        Assert.NotNull(response.Headers.Location);
        await factory.Workflows.DidNotReceive().WaitForWorkflowCompletionAsync(
            Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Post_whose_deadline_passes_within_the_wait_returns_504_problem()
    {
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(WorkflowStates.Completed(ForecastWorkflowResult.DeadlinePassed(DateTime.UtcNow)));
        var client = factory.CreateClient();

        var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(504, (await response.ReadProblemAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Post_with_digits_in_city_returns_400_naming_city()
    {
        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo 2"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["city"], (await response.ReadProblemAsync()).ErrorFields());
    }

    [Fact]
    public async Task Post_with_bad_city_and_location_returns_400_naming_both()
    {
        var response = await factory.CreateClient().PostCityAsync("""{"city": "", "location": "a\u0007b"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["city", "location"], (await response.ReadProblemAsync()).ErrorFields().Order());
    }

    [Theory]
    [InlineData("""{"city": "Oslo", "country": "NO"}""", "country")]
    [InlineData("""{"city": 42}""", "city")]
    [InlineData("""{"city": "Oslo", "location": ["a"]}""", "location")]
    [InlineData("""{"location": "Sentrum"}""", "city")]
    [InlineData("""{"city": "Oslo", "city": "Bergen"}""", "city")]
    public async Task Post_with_unknown_missing_repeated_or_mistyped_field_returns_400_naming_it(string json, string field)
    {
        var response = await factory.CreateClient().PostCityAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await response.ReadProblemAsync()).ErrorFields());
    }

    [Theory]
    [InlineData("""{"city": "Oslo",""")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[\"Oslo\"]")]
    [InlineData("""{"city": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}}""")]
    public async Task Post_with_malformed_empty_null_or_too_deep_json_returns_400_problem(string json)
    {
        var response = await factory.CreateClient().PostCityAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, (await response.ReadProblemAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Post_with_plain_text_returns_415_problem()
    {
        var response = await factory.CreateClient().PostAsync(
            PublicRoutes.City, new StringContent("city=Oslo"), Cancellation);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await response.ReadProblemAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_with_body_over_16_KiB_returns_413_problem(bool chunked)
    {
        var json = $$"""{"city": "Oslo", "location": "{{new string('x', 17 * 1024)}}"}""";
        var content = HttpHelpers.Json(json);
        if (chunked)
        {
            content = new UnknownLengthContent(System.Text.Encoding.UTF8.GetBytes(json));
            content.Headers.ContentType = new("application/json");
        }

        var response = await factory.CreateClient().PostAsync(PublicRoutes.City, content, Cancellation);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await response.ReadProblemAsync();
    }

    // Sent without Content-Length, so the limit is enforced while reading.
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Post_when_the_sidecar_is_unreachable_returns_503_problem()
    {
        AnySchedule().ThrowsAsync(new RpcException(new Status(StatusCode.Unavailable, "connection refused")));

        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        await response.ReadProblemAsync();
    }

    // A schedule that timed out may have created the instance: a 503 would make the client send the
    // same work again under a new request id, so when a second look cannot settle it (the sidecar
    // says the instance is missing and the schedule under the same id times out again) the client
    // gets the status URL of this request.
    [Fact]
    public async Task Post_whose_schedule_times_out_twice_returns_202_with_the_status_url_of_that_request()
    {
        factory.With("Correlation:SidecarTimeout", "00:00:00.200");
        var scheduled = new List<string>();
        AnySchedule().Returns(call =>
        {
            scheduled.Add(call.ArgAt<string>(1));
            return HangsUntilCancelled(call.ArgAt<CancellationToken>(4));
        });
        AnyState().Returns(WorkflowStates.Missing());

        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, scheduled.Count);
        Assert.Equal(scheduled[0], scheduled[1]);
        Assert.Equal(PublicRoutes.Request(scheduled[0]), response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Post_whose_schedule_the_sidecar_answers_deadline_exceeded_and_cannot_be_looked_up_returns_202_too()
    {
        AnySchedule().ThrowsAsync(new RpcException(new Status(StatusCode.DeadlineExceeded, "context deadline exceeded")));
        AnyState().ThrowsAsync(new RpcException(new Status(StatusCode.Unavailable, "connection refused")));

        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.NotNull(response.Headers.Location);
        await factory.Workflows.Received(1).ScheduleNewWorkflowAsync(
            Arg.Any<string>(), Arg.Any<string>(), Arg.Any<object>(), Arg.Any<DateTimeOffset?>(), Arg.Any<CancellationToken>());
    }

    // The second look settles it, and the request goes on as any started one: here it is answered
    // within the wait. "exists": the timed-out schedule had created the instance, which is not
    // scheduled again (daprd would run a completed one a second time). "missing": it had not, and
    // the same id is scheduled again. "already-exists": it had not when looked up, and had by the
    // second schedule (daprd's AlreadyExists for an active instance).
    [Theory]
    [InlineData("exists", 1)]
    [InlineData("missing", 2)]
    [InlineData("already-exists", 2)]
    public async Task Post_whose_schedule_times_out_is_settled_by_a_second_look_and_answered(string instance, int schedules)
    {
        factory.With("Correlation:SidecarTimeout", "00:00:00.200");
        var scheduled = new List<string>();
        AnySchedule().Returns(call =>
        {
            scheduled.Add(call.ArgAt<string>(1));
            return scheduled.Count == 1 ? HangsUntilCancelled(call.ArgAt<CancellationToken>(4))
                : instance == "already-exists" ? Task.FromException<string>(new RpcException(new Status(StatusCode.AlreadyExists, "an active workflow already exists")))
                : Task.FromResult(call.ArgAt<string>(1));
        });
        AnyState().Returns(instance == "exists" ? WorkflowStates.Running() : WorkflowStates.Missing());
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(call => WorkflowStates.Completed(ForecastWorkflowResult.Answered(Replies.For(call.ArgAt<string>(0)), DateTime.UtcNow)));

        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(scheduled[0], (await response.ReadJsonAsync()).GetProperty("requestId").GetString());
        Assert.Equal(schedules, scheduled.Count);
        Assert.All(scheduled, id => Assert.Equal(scheduled[0], id));
    }

    private Task<WorkflowState> AnyState() =>
        factory.Workflows.GetWorkflowStateAsync(Arg.Any<string>(), false, Arg.Any<CancellationToken>());

    // Any schedule of a workflow, to set up what the substitute answers.
    private Task<string> AnySchedule() =>
        factory.Workflows.ScheduleNewWorkflowAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<object>(), Arg.Any<DateTimeOffset?>(), Arg.Any<CancellationToken>());

    private static async Task<string> HangsUntilCancelled(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return "unreachable";
    }

    [Fact]
    public async Task Post_beyond_max_in_flight_returns_503_problem_with_retry_after()
    {
        factory.With("Correlation:MaxInFlight", "1");
        factory.Workflows.WaitForWorkflowCompletionAsync(Arg.Any<string>(), true, Arg.Any<CancellationToken>())
            .Returns(call => HttpHelpers.NeverFinishes(call.ArgAt<CancellationToken>(2)));
        var client = factory.CreateClient();

        var first = await client.PostCityAsync("""{"city": "Oslo"}""");
        var second = await client.PostCityAsync("""{"city": "Bergen"}""");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal("Too many requests in flight", (await second.ReadProblemAsync()).GetProperty("title").GetString());
    }

    // GET the status URL of a request whose workflow instance the sidecar reports in this state.
    private async Task<HttpResponseMessage> StatusWhenTheInstanceIsAsync(string id, WorkflowState state)
    {
        factory.Workflows.GetWorkflowStateAsync(id, true, Arg.Any<CancellationToken>()).Returns(state);
        return await factory.CreateClient().GetAsync(PublicRoutes.Request(id), Cancellation);
    }

    [Fact]
    public async Task Status_of_an_answered_request_returns_200_with_the_reply()
    {
        var id = Replies.NewId();

        var response = await StatusWhenTheInstanceIsAsync(id, WorkflowStates.Completed(ForecastWorkflowResult.Answered(Replies.For(id, "Bergen"), DateTime.UtcNow)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(id, body.GetProperty("requestId").GetString());
        Assert.Equal("Bergen", body.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Status_of_a_pending_request_returns_202()
    {
        var id = Replies.NewId();

        var response = await StatusWhenTheInstanceIsAsync(id, WorkflowStates.Running());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("pending", (await response.ReadJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Status_of_an_unknown_request_returns_404_problem()
    {
        var id = Replies.NewId();

        var response = await StatusWhenTheInstanceIsAsync(id, WorkflowStates.Missing());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await response.ReadProblemAsync();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("..%2F..%2Fetc")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    public async Task Status_with_a_malformed_id_returns_404_problem_without_asking_the_sidecar(string id)
    {
        var response = await factory.CreateClient().GetAsync(PublicRoutes.Request(id), Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await response.ReadProblemAsync();
        await factory.Workflows.DidNotReceive().GetWorkflowStateAsync(
            Arg.Any<string>(), Arg.Any<bool>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Status_after_the_reply_deadline_returns_504_problem()
    {
        var id = Replies.NewId();

        var response = await StatusWhenTheInstanceIsAsync(id, WorkflowStates.Completed(ForecastWorkflowResult.DeadlinePassed(DateTime.UtcNow)));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("No reply in time", (await response.ReadProblemAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Status_of_a_failed_workflow_returns_502_problem()
    {
        var id = Replies.NewId();

        var response = await StatusWhenTheInstanceIsAsync(id, WorkflowStates.Of(WorkflowRuntimeStatus.Failed));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await response.ReadProblemAsync();
    }
}

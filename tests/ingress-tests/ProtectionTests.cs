using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TestSupport;

namespace Ingress.Tests;

public sealed class ProtectionTests : IAsyncDisposable
{
    private const string SigningKey = "test-signing-key-of-at-least-32-bytes!!";
    private const string Issuer = "https://issuer.test";
    private const string Audience = "redis-stream-demo";

    private readonly IngressFactory factory = new IngressFactory().With("Forecasts:ReplyWait", "00:00:00");

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_beyond_the_rate_limit_get_429_problem_with_retry_after()
    {
        factory.With("RateLimiting:PermitsPerSecond", "1").With("RateLimiting:Burst", "2");
        var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await client.PostCityAsync("""{"city": "Oslo"}""");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(last!.Headers.RetryAfter);
        Assert.Equal(429, (await last.ReadProblemAsync()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Health_and_subscription_routes_are_not_rate_limited()
    {
        factory.With("RateLimiting:PermitsPerSecond", "1").With("RateLimiting:Burst", "1");
        var client = factory.CreateClient();

        await client.PostCityAsync("""{"city": "Oslo"}""");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/livez", Cancellation)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dapr/subscribe", Cancellation)).StatusCode);
        }
    }

    [Fact]
    public async Task Rate_limiting_can_be_switched_off()
    {
        factory.With("RateLimiting:Enabled", "false").With("RateLimiting:PermitsPerSecond", "1").With("RateLimiting:Burst", "1");
        var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostCityAsync("""{"city": "Oslo"}""")).StatusCode);
        }
    }

    [Fact]
    public async Task With_authentication_on_a_request_without_token_gets_401_problem()
    {
        var client = WithAuthentication().CreateClient();

        var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        await response.ReadProblemAsync();
    }

    [Theory]
    [InlineData(Audience, true)]
    [InlineData("someone-else", false)]
    public async Task With_authentication_on_only_a_token_for_our_audience_is_accepted(string audience, bool accepted)
    {
        var client = WithAuthentication().CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(audience));

        var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(accepted ? HttpStatusCode.Accepted : HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task With_authentication_on_swagger_offers_a_bearer_scheme()
    {
        var client = WithAuthentication().CreateClient();

        var document = await client.GetStringAsync("/swagger/v1/swagger.json", Cancellation);

        Assert.Contains("\"securitySchemes\"", document, StringComparison.Ordinal);
        Assert.Contains("\"bearer\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_authentication_on_the_OpenApi_document_passes_the_Redocly_recommended_rules()
    {
        var client = WithAuthentication().CreateClient();

        var document = await client.GetStringAsync("/swagger/v1/swagger.json", Cancellation);
        var lint = await OpenApiLint.RunAsync(document, "ingress-with-authentication", Cancellation);

        Assert.True(lint.Clean, lint.Report);
    }

    [Fact]
    public async Task With_an_app_token_the_subscription_route_rejects_calls_without_it()
    {
        factory.With("APP_API_TOKEN", "sidecar-secret");
        factory.Workflows.GetWorkflowStateAsync(Arg.Any<string>(), false, Arg.Any<CancellationToken>())
            .Returns(WorkflowStates.Missing());
        var client = factory.CreateClient();
        var reply = System.Text.Json.JsonSerializer.Serialize(Replies.For(Replies.NewId()), System.Text.Json.JsonSerializerOptions.Web);

        var without = await client.PostAsync(DaprNames.Routes.WeatherResponses, HttpHelpers.Json(reply), Cancellation);
        using var request = new HttpRequestMessage(HttpMethod.Post, DaprNames.Routes.WeatherResponses) { Content = HttpHelpers.Json(reply) };
        request.Headers.Add("dapr-api-token", "sidecar-secret");
        var with = await client.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    private IngressFactory WithAuthentication() => factory
        .With("Authentication:Enabled", "true")
        .With("Authentication:SigningKey", SigningKey)
        .With("Authentication:Issuer", Issuer)
        .With("Authentication:Audience", Audience);

    private static string Token(string audience) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = audience,
        Subject = new ClaimsIdentity([new Claim("sub", "test-user")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
    });
}

using System.Net;
using System.Text;

namespace EndToEnd.Tests.Scenarios;

[Collection(nameof(DefaultWorkflowStack))]
public sealed class WorkflowModeMalformedRequestTests(DefaultWorkflowStack system) : MalformedRequestScenarios(system);

[Collection(nameof(DefaultDirectStack))]
public sealed class DirectModeMalformedRequestTests(DefaultDirectStack system) : MalformedRequestScenarios(system);

public abstract class MalformedRequestScenarios(StackFixture system)
{
    private static readonly string Huge = "{\"city\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";

    private static IEnumerable<(string Name, Func<HttpContent?> Body)> BadBodies()
    {
        yield return ("truncated JSON", () => IngressClient.JsonContent("{\"city\":"));
        yield return ("not JSON", () => IngressClient.JsonContent("city=Paris"));
        yield return ("a number for the city", () => IngressClient.JsonContent("{\"city\":42}"));
        yield return ("an object for the city", () => IngressClient.JsonContent("{\"city\":{\"name\":\"Paris\"}}"));
        yield return ("an array body", () => IngressClient.JsonContent("[\"Paris\"]"));
        yield return ("null body", () => IngressClient.JsonContent("null"));
        yield return ("empty body", () => IngressClient.JsonContent(""));
        yield return ("no city", () => IngressClient.JsonContent("{\"location\":\"x\"}"));
        yield return ("digits in the city", () => IngressClient.JsonContent("{\"city\":\"P4r1s\"}"));
        yield return ("an unpaired surrogate", () => IngressClient.JsonContent("{\"city\":\"\\ud800\"}"));
        yield return ("deep nesting", () => IngressClient.JsonContent(new string('[', 5000) + new string(']', 5000)));
        yield return ("invalid UTF-8", () => new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}']) { Headers = { ContentType = new("application/json") } });
        yield return ("a 2 MB body", () => IngressClient.JsonContent(Huge));
        yield return ("a 2 MB chunked body", () => new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Huge))) { Headers = { ContentType = new("application/json") } });
        yield return ("text/plain", () => IngressClient.JsonContent("{\"city\":\"Paris\"}", "text/plain"));
        yield return ("form data", () => new FormUrlEncodedContent([new("city", "Paris")]));
        yield return ("xml", () => IngressClient.JsonContent("<city>Paris</city>", "application/xml"));
        yield return ("no content type", () => new ByteArrayContent("{\"city\":\"Paris\"}"u8.ToArray()));
        yield return ("no body", () => null);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_burst_of_malformed_requests_gets_client_errors_and_leaves_the_system_healthy()
    {
        var attempts = BadBodies()
            .SelectMany(bad => Enumerable.Range(0, 4).Select(_ => bad))
            .Select(async Task<(string Name, HttpStatusCode StatusCode)> (bad) =>
            {
                try
                {
                    using var response = await system.Ingress.SendRawAsync(HttpMethod.Post, PublicRoutes.City, bad.Body());
                    return (bad.Name, response.StatusCode);
                }
                catch (HttpRequestException) when (bad.Name.Contains("2 MB", StringComparison.Ordinal))
                {
                    // Kestrel may answer 413 and close the connection before the whole body is sent.
                    return (bad.Name, HttpStatusCode.RequestEntityTooLarge);
                }
            })
            .Concat(
            [
                Status(HttpMethod.Get, PublicRoutes.Request("not-a-request-id")),
                Status(HttpMethod.Get, PublicRoutes.Request(Guid.NewGuid().ToString("N"))),
                Status(HttpMethod.Get, PublicRoutes.Request(new string('9', 4000))),
                Status(HttpMethod.Put, PublicRoutes.City),
                Status(HttpMethod.Delete, PublicRoutes.City),
            ]);

        var answers = await Task.WhenAll(attempts);

        var serverErrors = answers.Where(a => (int)a.StatusCode >= 500).ToList();
        Assert.True(serverErrors.Count == 0, $"server errors: {string.Join(", ", serverErrors)}{Environment.NewLine}{system.Diagnostics()}");
        Assert.All(answers, a => Assert.True((int)a.StatusCode is >= 400 and < 500, $"{a.Name}: {(int)a.StatusCode}"));
        Assert.Equal(HttpStatusCode.OK, await system.Ingress.HealthAsync());
        var city = CityNames.Unique("Survivor");
        var reply = await system.Ingress.ForecastAsync(city, TimeSpan.FromSeconds(30));
        Assert.Equal(city, reply.City);
    }

    private async Task<(string Name, HttpStatusCode StatusCode)> Status(HttpMethod method, string path)
    {
        using var response = await system.Ingress.SendRawAsync(method, path);
        return ($"{method} {path[..Math.Min(path.Length, 60)]}", response.StatusCode);
    }
}

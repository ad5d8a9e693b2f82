using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Workflow;
using TestSupport;

namespace Ingress.Tests.Support;

internal static class HttpHelpers
{
    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostCityAsync(this HttpClient client, string json) =>
        client.PostAsync(PublicRoutes.City, Json(json), TestContext.Current.CancellationToken);

    public static async Task<JsonElement> ReadProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

    public static IEnumerable<string> ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(property => property.Name);

    // What WaitForWorkflowCompletionAsync does while no reply comes: waits until its token is cancelled.
    public static async Task<WorkflowState> NeverFinishes(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new UnreachableException();
    }
}

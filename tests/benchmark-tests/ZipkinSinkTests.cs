using System.Net;
using System.Text;
using Benchmarks.Cases;

namespace Benchmark.Tests;

public sealed class ZipkinSinkTests
{
    private const string TwoSpans =
        """[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","name":"post","annotations":[{"value":"x"}]},""" +
        """{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b8","parentId":"00f067aa0ba902b7","name":"publish"}]""";

    [Theory]
    [InlineData("[]", 0)]
    [InlineData(TwoSpans, 2)]
    public void Counts_one_span_per_trace_id(string json, int spans) =>
        Assert.Equal(spans, ZipkinSink.CountSpans(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public async Task Answers_a_post_as_zipkin_does_and_counts_its_spans()
    {
        await using var sink = ZipkinSink.Start();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var first = await http.PostAsync(sink.Endpoint, new StringContent(TwoSpans, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var second = await http.PostAsync(sink.Endpoint, new StringContent(TwoSpans, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        Assert.Equal(4, sink.Spans);
    }
}

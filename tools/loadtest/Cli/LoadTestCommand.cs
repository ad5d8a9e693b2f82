using System.Diagnostics;
using System.Globalization;
using LoadTest.Reporting;
using LoadTest.Running;
using LoadTest.Weather;
using Spectre.Console;
using TestSupport;

namespace LoadTest.Cli;

internal static class LoadTestCommand
{
    public static async Task<int> RunAsync(LoadOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        if (await new IngressClient(http, options.Url).HealthProblemAsync(cancellationToken) is { } problem)
        {
            console.MarkupLine($"[red]The ingress at {Markup.Escape(options.Url.ToString())} is not healthy:[/] {Markup.Escape(problem)}");
            console.MarkupLine("Start the stack first (see README), or pass --url.");
            return ExitCodes.Unavailable;
        }

        var plan = new LoadPlan(options.EffectiveConcurrency, options.Count, options.Duration, options.Rate);
        var client = new WeatherClient(http, options.Url, options.Async, options.PollInterval, options.Timeout);
        var cities = new TestSupport.CityNames(options.CityPrefix);
        var stats = new LoadStats();
        console.MarkupLine($"[grey]{Markup.Escape(Describe(options))}[/]");

        var elapsed = await RunWithProgressAsync(console, options, stats, () =>
            LoadRunner.RunAsync(plan, (i, ct) => client.SendAsync(cities.For(i), ct), stats, cancellationToken));

        var summary = stats.Summarize(elapsed);
        ConsoleReport.Write(console, $"POST {WeatherClient.Path}{(options.Async ? " (respond-async)" : "")}", summary);
        if (options.JsonFile is { } json)
        {
            await JsonReport.WriteAsync(json, new LoadReport(options.Url.ToString(), Describe(options), summary), CancellationToken.None);
            console.MarkupLine($"JSON written to [blue]{Markup.Escape(json)}[/]");
        }
        if (options.PlotFile is { } plot)
        {
            LatencyPlot.Save(plot, $"{Describe(options)}: {summary.ThroughputRps:N0} req/s", [("latency", summary.PercentileCurve)]);
            console.MarkupLine($"Latency chart written to [blue]{Markup.Escape(plot)}[/]");
        }
        if (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Interrupted: the figures cover the requests that finished.[/]");
        }
        return summary.Errors > 0 || summary.Requests == 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        {
            // Each request carries its own deadline (--timeout).
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <returns>Null when GET /healthz answers 2xx, else what went wrong (tests/benchmarks asks it too).</returns>
    private static async Task<TimeSpan> RunWithProgressAsync(IAnsiConsole console, LoadOptions options, LoadStats stats, Func<Task<TimeSpan>> run)
    {
        TimeSpan elapsed = default;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("requests", maxValue: options.Duration is { } d ? d.TotalSeconds : options.Count);
                var started = Stopwatch.GetTimestamp();
                var running = run();
                while (await Task.WhenAny(running, Task.Delay(200, CancellationToken.None)) != running)
                {
                    Update(task, options, stats, started);
                }
                elapsed = await running;
                Update(task, options, stats, started);
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return elapsed;
    }

    private static void Update(ProgressTask task, LoadOptions options, LoadStats stats, long started)
    {
        task.Value = options.Duration is null ? stats.Completed : Stopwatch.GetElapsedTime(started).TotalSeconds;
        var errors = stats.Errors == 0 ? "" : $" [red]{stats.Errors.ToString(CultureInfo.InvariantCulture)} errors[/]";
        task.Description = $"{stats.Completed.ToString("N0", CultureInfo.InvariantCulture)} done{errors}";
    }

    public static string Describe(LoadOptions options)
    {
        var amount = options.Duration is { } d ? $"{d.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : $"{options.Count.ToString(CultureInfo.InvariantCulture)} requests";
        var shape = options.Rate is { } rate
            ? $"{rate.ToString(CultureInfo.InvariantCulture)} req/s open model (max {options.EffectiveConcurrency.ToString(CultureInfo.InvariantCulture)} in flight)"
            : $"{options.Mode.ToString().ToLowerInvariant()}, concurrency {options.EffectiveConcurrency.ToString(CultureInfo.InvariantCulture)}";
        return $"{amount}, {shape}{(options.Async ? ", respond-async" : "")}";
    }
}

internal sealed record LoadReport(string Url, string Run, LoadSummary Summary);

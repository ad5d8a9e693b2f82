using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TestSupport;
using YamlDotNet.RepresentationModel;

namespace Observability.Tests.Infrastructure;

/// <summary>
/// A real Prometheus (the Debian package's /usr/bin/prometheus, which .ci/run installs with promtool)
/// on a free loopback port, scraping with observability/prometheus/prometheus.local.yml: the same jobs,
/// relabelling and rule file, each static target moved to the port the running stack gave that app id,
/// every second. Without the binary the test skips locally and fails under CI=true.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private PrometheusServer(Process process, string folder, Uri url)
    {
        _process = process;
        _folder = folder;
        Url = url;
    }

    public Uri Url { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    /// <param name="targets">job name -> app id -> port: the local config's target for that job and app id goes there.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> targets, CancellationToken cancellationToken)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            Requirements.Unavailable("prometheus is not installed (apt-get install -y prometheus; .ci/run installs it).");
        }
        var folder = Directory.CreateTempSubdirectory("prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, LocalConfig(targets), cancellationToken);
        var port = FreePort.Next();
        var info = new ProcessStartInfo(executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList =
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--log.level=warn",
            },
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, folder, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
        var ready = await Eventually.LastSeen(async () =>
        {
            try
            {
                using var response = await server.Http.GetAsync(new Uri(server.Url, "/-/ready"), cancellationToken);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ok => ok || process.HasExited, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        if (!ready)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"prometheus did not become ready (exited: {process.HasExited})");
        }
        return server;
    }

    // prometheus.local.yml with 1 s scrapes, the rule file by absolute path and each app id's target on its live port.
    private static string LocalConfig(IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> targets)
    {
        var folder = RepositoryRoot.Combine("observability", "prometheus");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(folder, "prometheus.local.yml")))
        {
            yaml.Load(reader);
        }
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var global = (YamlMappingNode)root["global"];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode("1s");
        global.Children[new YamlScalarNode("evaluation_interval")] = new YamlScalarNode("1s");
        root.Children[new YamlScalarNode("rule_files")] = new YamlSequenceNode(new YamlScalarNode(Path.Combine(folder, "alerts.yml")));
        foreach (var job in ((YamlSequenceNode)root["scrape_configs"]).Children.Cast<YamlMappingNode>())
        {
            var name = ((YamlScalarNode)job["job_name"]).Value ?? "";
            if (!targets.TryGetValue(name, out var ports) || !job.Children.TryGetValue(new YamlScalarNode("static_configs"), out var configs))
            {
                continue;
            }
            foreach (var config in ((YamlSequenceNode)configs).Children.Cast<YamlMappingNode>())
            {
                var appId = config.Children.TryGetValue(new YamlScalarNode("labels"), out var labels) && labels is YamlMappingNode map
                    && map.Children.TryGetValue(new YamlScalarNode("app_id"), out var id) ? ((YamlScalarNode)id).Value : null;
                if (appId is not null && ports.TryGetValue(appId, out var port))
                {
                    config.Children[new YamlScalarNode("targets")] = new YamlSequenceNode(new YamlScalarNode($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
                }
            }
        }
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>An instant query: one (labels, value) per series; throws with Prometheus' error when it refuses the expression.</summary>
    public async Task<IReadOnlyList<(string Labels, double Value)>> QueryAsync(string expression, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent([KeyValuePair.Create("query", expression)]);
        using var response = await Http.PostAsync(new Uri(Url, "/api/v1/query"), content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"prometheus refused '{expression}': {root.GetProperty("error").GetString()}");
        }
        var data = root.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"'{expression}' is not an instant vector: {data.GetProperty("resultType").GetString()}");
        }
        return [.. data.GetProperty("result").EnumerateArray().Select(series => (
            series.GetProperty("metric").ToString(),
            Sample(series.GetProperty("value")[1].GetString())))];
    }

    // A sample value as the HTTP API writes it: Go's float text, with "+Inf", "-Inf" and "NaN".
    private static double Sample(string? text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        null or "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The TSDB may still be closing its files; the folder is in the temp directory.
        }
    }
}

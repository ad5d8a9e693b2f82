using System.Text.RegularExpressions;

namespace Deployment.Tests;

// One Dapr runtime release everywhere: the images compose runs, the Testcontainers suite, the
// install steps of the READMEs and the deploy script, and the CRD schemas the checks validate
// against. Two places naming different releases fail here.
public sealed partial class DaprVersionPinTests
{
    private static IEnumerable<(string Where, string Version)> Pins()
    {
        foreach (Match match in ComposeImage().Matches(Repo.Read("docker-compose.yml")))
        {
            yield return ($"docker-compose.yml daprio/{match.Groups[1].Value}", match.Groups[2].Value);
        }
        foreach (Match match in TestcontainersTag().Matches(Repo.Read("tests", "e2e", "RealDapr", "TestcontainersDaprTests.cs")))
        {
            yield return ("TestcontainersDaprTests.DaprTag", match.Groups[1].Value);
        }
        foreach (var file in new[] { "README.md", "k8s/README.md", "scripts/deploy-k8s.sh", "dapr.yaml" })
        {
            var text = Repo.Read(file.Split('/'));
            foreach (Match match in RuntimeVersion().Matches(text))
            {
                yield return ($"{file} --runtime-version", match.Groups[1].Value);
            }
            foreach (Match match in DaprRelease().Matches(text))
            {
                yield return ($"{file} \"Dapr {match.Groups[1].Value}\"", match.Groups[1].Value);
            }
        }
        foreach (var script in new[] { "scripts/deploy-k8s.sh", "scripts/ci/common.sh" })
        {
            foreach (Match match in DeployScriptPin().Matches(Repo.Read(script.Split('/'))))
            {
                yield return ($"{script} DAPR_VERSION", match.Groups[1].Value);
            }
        }
    }

    [Fact]
    public void Every_file_names_the_same_dapr_runtime_release()
    {
        var pins = Pins().ToList();

        Assert.Contains(pins, pin => pin.Where.StartsWith("docker-compose.yml daprio/daprd", StringComparison.Ordinal));
        Assert.Contains(pins, pin => pin.Where == "TestcontainersDaprTests.DaprTag");
        Assert.Contains(pins, pin => pin.Where == "README.md --runtime-version");
        Assert.Contains(pins, pin => pin.Where == "scripts/deploy-k8s.sh DAPR_VERSION");
        Assert.Contains(pins, pin => pin.Where == "scripts/ci/common.sh DAPR_VERSION");
        var versions = pins.Select(pin => pin.Version).Distinct().ToList();
        Assert.True(versions.Count == 1, "Dapr releases disagree:\n" + string.Join('\n', pins.Select(pin => $"{pin.Where}: {pin.Version}")));
    }

    // The .NET SDK is released on its own patch numbers, on the runtime's minor line.
    [Fact]
    public void Every_dapr_sdk_package_is_of_the_pinned_runtimes_minor_line()
    {
        var runtime = Pins().First().Version;
        var line = string.Join('.', runtime.Split('.').Take(2)) + ".";
        var packages = SdkPackage().Matches(Repo.Read("Directory.Packages.props")).ToList();

        Assert.NotEmpty(packages);
        Assert.All(packages, package => Assert.True(package.Groups[2].Value.StartsWith(line, StringComparison.Ordinal),
            $"{package.Groups[1].Value} {package.Groups[2].Value} is not of the {line}x line of Dapr {runtime}"));
    }

    [Fact]
    public void Compose_runs_daprd_placement_and_scheduler_of_one_release()
    {
        var images = ComposeImage().Matches(Repo.Read("docker-compose.yml")).Select(match => match.Groups[1].Value).Order().ToList();

        Assert.Equal(["daprd", "placement", "scheduler"], images);
    }

    [GeneratedRegex(@"image: daprio/(daprd|placement|scheduler):(\S+)")]
    private static partial Regex ComposeImage();

    [GeneratedRegex(@"Include=""(Dapr\.[A-Za-z.]+)"" Version=""([^""]+)""")]
    private static partial Regex SdkPackage();

    [GeneratedRegex(@"DaprTag = ""([^""]+)""")]
    private static partial Regex TestcontainersTag();

    [GeneratedRegex(@"--runtime-version[ =]v?([0-9][0-9.]*[0-9])")]
    private static partial Regex RuntimeVersion();

    [GeneratedRegex(@"\bDapr v?(1\.[0-9]+(?:\.[0-9]+)?)\b")]
    private static partial Regex DaprRelease();

    [GeneratedRegex(@"^DAPR_VERSION=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex DeployScriptPin();
}

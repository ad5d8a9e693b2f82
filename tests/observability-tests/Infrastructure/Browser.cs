using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using TestSupport;

namespace Observability.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven through Debian's chromedriver. Both paths are given to Selenium,
/// so Selenium Manager never runs (it would try to download a driver, which this network refuses).
/// </summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";

    private readonly string _profile;

    private Browser(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(ChromeDriverPath))
        {
            Requirements.Unavailable("Chromium and ChromeDriver are not installed (apt-get install -y chromium chromium-driver; .ci/run installs them).");
        }

        var profile = Directory.CreateTempSubdirectory("chromium-profile-").FullName;
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath), Path.GetFileName(ChromeDriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;

        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        // Without the background-networking flags Chromium keeps dialling Google's hosts, which a
        // closed network refuses; a fresh profile keeps runs independent.
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,2000", $"--user-data-dir={profile}");

        try
        {
            return new Browser(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)), profile);
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    /// <summary>Saves a PNG of the page under TestResults next to the test assembly and returns its path.</summary>
    public string Screenshot(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be flushing its profile; a temp folder left behind is harmless.
        }
    }
}

using TestSupport;

namespace Deployment.Tests.Support;

// tests/checks/validate-manifests.mjs: Kubernetes, KEDA and Dapr manifests against the ecosystems'
// own schemas (kubernetes-models, @kubernetes-models/keda, Dapr's CRDs in schemas/dapr), unknown
// fields included. It prints one line per error, "file: Kind/name: path: message".
internal static class ManifestValidator
{
    private const string Script = "tests/checks/validate-manifests.mjs";

    public static CommandResult ValidateFiles(IEnumerable<string> files) => Node([Script, .. files]);

    // YAML given as text (a rendered overlay, a test document), shown as name in the errors.
    public static CommandResult ValidateYaml(string name, string yaml) => Node([Script, "--name", name, "-"], yaml);

    private static CommandResult Node(string[] arguments, string? input = null)
    {
        var node = Command.Find("node", "node is not installed (apt-get install -y nodejs npm; .ci/run needs npm).");
        if (!Directory.Exists(Repo.PathOf("tests", "checks", "node_modules", "kubernetes-models")))
        {
            Requirements.Unavailable("tests/checks/node_modules is missing: run npm ci --prefix tests/checks (.ci/run does).");
        }
        return Command.Run(node, arguments, input);
    }
}

namespace Benchmarks.Measurement;

/// <summary>
/// A process whose CPU time and memory are measured, under the slot it fills in the request path,
/// so that columns line up across cases (the plumbing floor's edge app fills the ingress's slot).
/// </summary>
internal sealed record WatchedProcess(string Slot, string Name, int Pid)
{
    public const string Ingress = "ingress";
    public const string IngressSidecar = "ingress-sidecar";
    public const string Proxy = "proxy";
    public const string ProxySidecar = "proxy-sidecar";
    public const string Redis = "redis-server";
    public const string LoadGenerator = "load-generator";

    /// <summary>Every slot, in the order of the request path; the first two apps are the product.</summary>
    public static IReadOnlyList<string> Slots { get; } = [Ingress, IngressSidecar, Proxy, ProxySidecar, Redis, LoadGenerator];

    /// <summary>The apps we ship; everything else is test infrastructure (sidecars, Redis, the load generator).</summary>
    public static bool IsProduct(string slot) => slot is Ingress or Proxy;

    public static WatchedProcess LoadGeneratorProcess { get; } = new(LoadGenerator, "benchmark", Environment.ProcessId);
}

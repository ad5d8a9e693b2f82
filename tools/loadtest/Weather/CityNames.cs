namespace LoadTest.Weather;

/// <summary>
/// The load tool's city names: TestSupport.CityNames with a tag of this run, so two runs against
/// the same ingress never share a name. Only tests/benchmarks still names this type; it goes once
/// the benchmark uses TestSupport.CityNames.
/// </summary>
internal sealed class CityNames(string prefix)
{
    private readonly TestSupport.CityNames _names = new(prefix);

    public string For(long index) => _names.For(index);
}

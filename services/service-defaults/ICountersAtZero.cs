namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// A service's instruments that should be exported at 0 from the start. A counter is exported
/// from its first Add: adding zero for every label value once the exporter listens makes a fresh
/// service show 0 on the dashboards instead of "No data".
/// </summary>
public interface ICountersAtZero
{
    void StartAtZero();
}

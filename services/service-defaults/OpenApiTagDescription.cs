namespace RedisStreamDemo.ServiceDefaults;

/// <summary>Endpoint metadata: the description the document's tag list shows for a tag.</summary>
internal sealed record OpenApiTagDescription(string Name, string Description);

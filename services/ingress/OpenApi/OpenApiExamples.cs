namespace RedisStreamDemo.Ingress.OpenApi;

/// <summary>Endpoint metadata carrying example bodies for Swagger: the request body and responses by status.</summary>
internal sealed record OpenApiExamples(object? Request, IReadOnlyDictionary<int, object> Responses);

namespace Sidecar.Tests.Infrastructure;

/// <summary>The event the contract tests publish: a small JSON object.</summary>
public sealed record Ping(string Text);

namespace TestSupport;

/// <summary>
/// Ctrl+C for a tool that reports what it measured (the benchmark, the load test): the first one
/// cancels <see cref="Token"/>, so the tool stops its work and still prints its figures; a second one
/// ends the process as usual.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _interrupted = new();

    public Interruption() => Console.CancelKeyPress += OnCancelKeyPress;

    public CancellationToken Token => _interrupted.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _interrupted.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = !_interrupted.IsCancellationRequested;
        _interrupted.Cancel();
    }
}

using PlumbingFloor;

// One executable, three roles, each a separate process: `edge` (the ingress's place), `back` (the
// proxy's) and `broker` (a sidecar's: gRPC publish in, Redis Streams, HTTP delivery out).
var role = args.FirstOrDefault();
var builder = WebApplication.CreateSlimBuilder(args.Skip(1).ToArray());
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = role switch
{
    "edge" => EdgeApp.Build(builder),
    "back" => BackApp.Build(builder),
    "broker" => Broker.Build(builder),
    _ => null,
};
if (app is null)
{
    await Console.Error.WriteLineAsync("Usage: PlumbingFloor edge|back|broker --name value ... (see tests/benchmarks/README.md)");
    return 64;
}
await app.RunAsync();
return 0;

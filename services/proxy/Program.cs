using ProxyService;
using ProxyService.Requests;
using ProxyService.Terminals;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(DaprNames.AppIds.Proxy);
builder.AddProxy();

var app = builder.Build();

// The sidecar delivers CloudEvents; this unwraps them so handlers read the WeatherRequest itself.
app.UseDaprCloudEvents();
app.MapSubscribeHandler();
app.MapDefaultEndpoints();

app.MapWeatherRequestEndpoints();
app.MapTerminalEndpoints();

app.Run();

// WebApplicationFactory<Program> in the tests needs a type to point at.
public partial class Program;

using RedisStreamDemo.Contracts;
using RedisStreamDemo.Proxy.Requests;
using RedisStreamDemo.Proxy.Telemetry;
using RedisStreamDemo.Proxy.Terminals;
using RedisStreamDemo.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(DaprNames.AppIds.Proxy);
builder.Services.AddProxyTelemetry();
builder.Services.AddTerminals();
builder.Services.AddWeatherRequests();

var app = builder.Build();

// In Development WebApplication's developer exception page comes first and defers to the
// exception handlers (service defaults); elsewhere this answers every exception with problem+json.
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler();
}
app.UseStatusCodePages();
// The sidecar delivers CloudEvents; this unwraps them so handlers read the WeatherRequest itself.
app.UseDaprCloudEvents();
app.UseSwagger();
app.UseSwaggerUI();

app.MapSubscribeHandler();
app.MapDefaultEndpoints();
app.MapWeatherRequestEndpoints();
app.MapTerminalEndpoints();

app.Run();

using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Direct;
using RedisStreamDemo.Ingress.Forecasts;
using RedisStreamDemo.Ingress.Replies;
using RedisStreamDemo.Ingress.Security;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.Ingress.Workflows;
using RedisStreamDemo.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(DaprNames.AppIds.Ingress);
builder.Services.AddIngressTelemetry();
builder.Services.AddForecasts();
if (builder.AddCorrelation() == CorrelationMode.Direct)
{
    builder.Services.AddDirectCorrelation();
}
else
{
    builder.Services.AddWorkflowCorrelation();
}
builder.AddIngressProtection();

var app = builder.Build();

// In Development WebApplication's developer exception page comes first and defers to the
// exception handlers (service defaults); elsewhere this answers every exception with problem+json.
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler();
}
app.UseStatusCodePages();
app.UseDaprCloudEvents();
app.UseSwagger();
app.UseSwaggerUI();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapSubscribeHandler();
app.MapDefaultEndpoints();
app.MapForecastEndpoints();
app.MapReplyEndpoints();

app.Run();

using IngressService;
using IngressService.Forecasts;
using IngressService.Replies;
using IngressService.Security;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(DaprNames.AppIds.Ingress);
builder.AddIngress();

var app = builder.Build();

app.UseDaprCloudEvents();
app.MapSubscribeHandler();
app.MapDefaultEndpoints();
app.UseIngressProtection();

app.MapForecastEndpoints();
app.MapReplyEndpoints();

app.Run();

// The test host (WebApplicationFactory<Program>) needs a type from this assembly.
public partial class Program;

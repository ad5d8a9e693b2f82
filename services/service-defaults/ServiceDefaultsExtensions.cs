using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>
/// What every service shares: OpenTelemetry, health endpoints, ProblemDetails, Swagger and the Dapr
/// client. It registers services and maps endpoints only: every middleware a service runs is in its
/// Program.cs.
/// </summary>
public static class ServiceDefaultsExtensions
{
    private const string LiveTag = "live";
    private const string ReadyTag = "ready";

    // Our own ActivitySources and Meters are all named with this prefix.
    private const string TelemetryPrefix = "RedisStreamDemo.";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.SectionName);

        // Registered before AddProblemDetails so it is asked before the framework's own writer.
        builder.Services.AddSingleton<IProblemDetailsWriter, AlwaysJsonProblemDetailsWriter>();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<UnreadableBodyExceptionHandler>();
        builder.Services.AddSingleton<IDeveloperPageExceptionFilter, DeveloperPageDefersToExceptionHandlers>();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(OpenApiDocuments.Configure);

        // The Dapr client reads DAPR_GRPC_ENDPOINT / DAPR_HTTP_ENDPOINT (or the *_PORT variables)
        // and DAPR_API_TOKEN itself, so nothing here names a port.
        builder.Services.AddDaprClient();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .AddCheck<DaprSidecarHealthCheck>("dapr-sidecar", tags: [ReadyTag]);

        builder.ConfigureOpenTelemetry(serviceName);
        return builder;
    }

    private static void ConfigureOpenTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var zipkin = builder.Configuration[$"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.ZipkinEndpoint)}"]
            ?? new TelemetryOptions().ZipkinEndpoint;
        var otlp = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(TelemetryPrefix + "*")
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    // One client span per sidecar call, named for its gRPC method, instead of that span
                    // and an HTTP/2 "POST" child under it: every Dapr call is a gRPC call, so the child
                    // doubled the spans (and their cost) and told a reader nothing new. The gRPC span
                    // still hands its context on to the sidecar.
                    .AddGrpcClientInstrumentation(options => options.SuppressDownstreamInstrumentation = true);
                if (string.IsNullOrWhiteSpace(otlp) && !string.IsNullOrWhiteSpace(zipkin))
                {
                    // Deprecated upstream in favour of OTLP, but Zipkin is what `dapr init` runs and what
                    // the sidecars report to, so app and sidecar spans land in one place.
#pragma warning disable CS0618
                    tracing.AddZipkinExporter(options => options.Endpoint = new Uri(zipkin));
#pragma warning restore CS0618
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(otlp))
        {
            telemetry.UseOtlpExporter();
        }
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/livez", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/healthz");
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/livez") ||
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/swagger");
}

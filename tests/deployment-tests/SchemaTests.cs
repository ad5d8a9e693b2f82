namespace Deployment.Tests;

// Every manifest against the ecosystems' own schemas, as strictly as the API server's strict field
// validation: Dapr resources against Dapr's CRDs (schemas/dapr), Kubernetes and KEDA objects against
// kubernetes-models and @kubernetes-models/keda, unknown fields rejected everywhere.
// tests/checks/validate-manifests.mjs does the checking; the known-bad documents below prove it can fail.
public sealed class SchemaTests
{
    public static TheoryData<string> DaprResourceFolders() => new(["components", "deploy/compose/components"]);

    public static TheoryData<string> RenderedOverlays() => new(Overlays.All);

    [Theory]
    [MemberData(nameof(DaprResourceFolders))]
    public void Every_dapr_resource_matches_daprs_crd_schema(string folder)
    {
        var files = Directory.EnumerateFiles(Repo.PathOf(folder.Split('/')), "*.yaml")
            .Select(file => Path.GetRelativePath(Repo.Root, file))
            .Order(StringComparer.Ordinal);
        AssertValid(ManifestValidator.ValidateFiles(files));
    }

    [Theory]
    [MemberData(nameof(RenderedOverlays))]
    public void Every_object_an_overlay_renders_matches_its_kubernetes_keda_or_dapr_schema(string overlay) =>
        AssertValid(ManifestValidator.ValidateYaml($"{overlay} (rendered)", Overlays.Render(overlay)));

    [Fact]
    public void Every_overlay_under_k8s_is_checked_but_not_the_base_or_the_components()
    {
        Assert.Contains("k8s", Overlays.All);
        Assert.Contains("k8s/without-keda", Overlays.All);
        Assert.DoesNotContain("k8s/base", Overlays.All);
        Assert.DoesNotContain(Overlays.All, overlay => overlay.StartsWith("k8s/components", StringComparison.Ordinal));
    }

    [Fact]
    public void A_retry_policy_field_daprs_crd_does_not_declare_is_rejected() =>
        AssertRejected(
            """
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: resiliency
            spec:
              policies:
                retries:
                  publishRetry:
                    policy: exponential
                    initialInterval: 100ms
                    maxRetries: 5
              targets: {}
            """,
            "Resiliency/resiliency: spec.policies.retries.publishRetry.initialInterval: unknown field \"initialInterval\"");

    [Fact]
    public void A_component_with_a_top_level_field_its_crd_lacks_or_without_a_name_is_rejected()
    {
        const string Component =
            """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              namespace: redis-stream-demo
            spec:
              type: pubsub.redis
              version: v1
              metadata:
                - name: redisHost
                  value: redis:6379
            scope:
              - ingress
            """;
        AssertRejected(Component, "Component/?: scope: unknown field \"scope\"", "Component/?: metadata.name: required field \"name\" is missing");
    }

    /// <summary>A valid proxy Deployment (maps and an int-or-string included); its container's fields come last, so a test can add one.</summary>
    private const string ProxyDeployment =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: proxy
          annotations: { dapr.io/enabled: "true" }
        spec:
          selector:
            matchLabels: { app: proxy }
          strategy:
            rollingUpdate: { maxSurge: 25%, maxUnavailable: 1 }
          template:
            metadata:
              labels: { app: proxy }
            spec:
              containers:
                - name: proxy
                  image: redis-stream-demo/proxy:latest
                  resources:
                    limits: { cpu: 500m, memory: 256Mi }
        """;

    /// <summary>A valid pub/sub Component: a number where Dapr's metadata values are free-form, scopes.</summary>
    private const string PubSubComponent =
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.redis
          version: v1
          metadata:
            - name: queueDepth
              value: 20
        scopes: [ingress, proxy]
        """;

    /// <summary>A valid ScaledObject for the proxy.</summary>
    private const string ProxyScaledObject =
        """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata:
          name: proxy
        spec:
          minReplicaCount: 1
          scaleTargetRef: { name: proxy }
          triggers:
            - type: redis-streams
              metadata: { stream: weather-requests, consumerGroup: proxy, pendingEntriesCount: "10" }
        """;

    [Fact]
    public void A_deployment_with_an_unknown_field_is_rejected() =>
        AssertRejected(
            ProxyDeployment + "\n" + """
                      readinessProbe:
                        httpGet: { path: /healthz, port: 5010 }
                        initialDelay: 5
            """,
            "Deployment/proxy: spec.template.spec.containers[0].readinessProbe.initialDelay: unknown field \"initialDelay\"");

    [Fact]
    public void A_service_with_a_wrong_type_or_enum_value_is_rejected()
    {
        const string Service =
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: ingress
            spec:
              type: Internal
              selector: { app: ingress }
              ports:
                - port: "80"
                  targetPort: 5009
            """;
        AssertRejected(Service, "Service/ingress: spec.type: must be equal to one of the allowed values", "Service/ingress: spec.ports[0].port: must be integer");
    }

    [Theory]
    [InlineData(PubSubComponent, "  version: v1\n", "Component/pubsub: spec.version: required field \"version\" is missing")]
    [InlineData(ProxyScaledObject, "  scaleTargetRef: { name: proxy }\n", "ScaledObject/proxy: spec.scaleTargetRef: required field \"scaleTargetRef\" is missing")]
    public void A_valid_document_without_a_required_field_is_rejected(string document, string requiredField, string expectedError)
    {
        Assert.Contains(requiredField, document, StringComparison.Ordinal);
        AssertRejected(document.Replace(requiredField, "", StringComparison.Ordinal), expectedError);
    }

    [Fact]
    public void A_kind_that_no_schema_covers_is_rejected_not_passed_over() =>
        AssertRejected(
            """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: widget
            """,
            "Widget/widget: .: no schema for apiVersion example.com/v1 kind Widget");

    [Fact]
    public void Valid_kubernetes_keda_and_dapr_documents_pass_including_maps_and_free_form_values() =>
        AssertValid(ManifestValidator.ValidateYaml(
            "valid documents",
            $"""
            {ProxyDeployment}
            ---
            {ProxyScaledObject}
            ---
            {PubSubComponent}
            """));

    private static void AssertValid(CommandResult result) =>
        Assert.True(result.ExitCode == 0, $"validate-manifests.mjs found errors:\n{result}");

    private static void AssertRejected(string yaml, params string[] expectedErrors)
    {
        var result = ManifestValidator.ValidateYaml("test document", yaml);
        Assert.True(result.ExitCode == 1, $"Expected validate-manifests.mjs to reject the document:\n{result}");
        Assert.All(expectedErrors, expected => Assert.Contains($"test document: {expected}", result.Output, StringComparison.Ordinal));
    }
}

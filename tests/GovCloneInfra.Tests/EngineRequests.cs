using System.Reflection;
using System.Text.Json;
using Castle.DynamicProxy;
using Google.Protobuf;
using Pulumi;

namespace GovCloneInfra.Tests;

/// <summary>
/// One <c>RegisterResourceRequest</c> exactly as the SDK sent it to the engine's resource monitor, as protobuf JSON
/// with every field (defaults included): what the engine really receives, options and all, after the SDK's own
/// defaults (a Command's <c>triggers[*]</c>) and its option handling. IMocks sees only type, name, inputs and
/// provider; a resource transformation sees only what the program passed.
/// </summary>
public sealed record RegisterRequest(string Type, string Name, JsonElement Json)
{
    public bool Custom => Json.GetProperty("custom").GetBoolean();

    public string Parent => Json.GetProperty("parent").GetString()!;

    public string Provider => Json.GetProperty("provider").GetString()!;

    public bool DeleteBeforeReplace => Json.GetProperty("deleteBeforeReplace").GetBoolean();

    public bool DeleteBeforeReplaceDefined => Json.GetProperty("deleteBeforeReplaceDefined").GetBoolean();

    /// <summary><c>optional bool retainOnDelete</c>: null when the SDK left it unset.</summary>
    public bool? RetainOnDelete => Json.TryGetProperty("retainOnDelete", out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    public string DeletedWith => Json.GetProperty("deletedWith").GetString()!;

    public IReadOnlyList<string> Dependencies => Strings("dependencies");

    public IReadOnlyList<string> ReplaceOnChanges => Strings("replaceOnChanges");

    public IReadOnlyList<string> AdditionalSecretOutputs => Strings("additionalSecretOutputs");

    public IReadOnlyList<string> IgnoreChanges => Strings("ignoreChanges");

    /// <summary>The <c>aliases</c> as the SDK serialized them: each an alias spec (name, type, parent) or a URN.</summary>
    public IReadOnlyList<JsonElement> Aliases => [.. Json.GetProperty("aliases").EnumerateArray()];

    public IReadOnlyList<string> AliasUrns => Strings("aliasURNs");

    /// <summary>The custom timeouts (the SDK sends Go durations in nanoseconds, "72000000000000ns"); null when none were set.</summary>
    public (TimeSpan? Create, TimeSpan? Update, TimeSpan? Delete)? CustomTimeouts =>
        Json.TryGetProperty("customTimeouts", out var t) && t.ValueKind == JsonValueKind.Object
            ? (Duration(t.GetProperty("create").GetString()!), Duration(t.GetProperty("update").GetString()!), Duration(t.GetProperty("delete").GetString()!))
            : null;

    /// <summary>The inputs, as the request's serialized `object` (secrets as Pulumi's secret envelopes).</summary>
    public JsonElement Properties => Json.GetProperty("object");

    private List<string> Strings(string field) => [.. Json.GetProperty(field).EnumerateArray().Select(e => e.GetString()!)];

    private static TimeSpan? Duration(string text) =>
        text.Length == 0 ? null
        : text.EndsWith("ns", StringComparison.Ordinal) ? TimeSpan.FromTicks(long.Parse(text[..^2], System.Globalization.CultureInfo.InvariantCulture) / 100)
        : throw new FormatException($"a timeout the SDK does not send in nanoseconds: {text}");
}

/// <summary>
/// Records every resource registration the SDK sends to the monitor of the running test deployment. Pulumi.Testing
/// builds its monitor inside <see cref="Deployment.TestAsync(Pulumi.Testing.IMocks, Pulumi.Testing.TestOptions, Func{IDictionary{string, object?}})"/>
/// and has no public seam for it, so this wraps it: <see cref="Install"/>, called first thing in the program
/// callback (where <see cref="Deployment.Instance"/> is the test deployment), replaces the deployment's internal
/// <c>Monitor</c> with a Castle proxy of the SDK's internal <c>IMonitor</c> interface (the Pulumi assembly grants
/// DynamicProxyGenAssembly2 its internals for Moq) that records each request and passes it on unchanged. Read off
/// Pulumi 3.112.1's sources (<c>Deployment.Monitor</c>, <c>DeploymentInstance.Internal</c>,
/// <c>Deployment_RegisterResource.cs</c>); if a later SDK moves them, <see cref="Install"/> fails saying so.
/// </summary>
public sealed class EngineRequests : IInterceptor
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private readonly List<RegisterRequest> _requests = [];

    public IReadOnlyList<RegisterRequest> All
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public RegisterRequest Of(string name) => All.Single(r => r.Name == name);

    public static EngineRequests Install()
    {
        const BindingFlags Any = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        var instance = Deployment.Instance;
        var deployment = typeof(DeploymentInstance).GetProperty("Internal", Any)?.GetValue(instance)
            ?? throw new InvalidOperationException("Pulumi's DeploymentInstance.Internal is gone: EngineRequests needs updating for this SDK");
        var property = deployment.GetType().GetProperty("Monitor", Any)
            ?? throw new InvalidOperationException("Pulumi's Deployment.Monitor is gone: EngineRequests needs updating for this SDK");
        var field = deployment.GetType().GetField("<Monitor>k__BackingField", Any)
            ?? throw new InvalidOperationException("Pulumi's Deployment.Monitor is no longer an auto-property: EngineRequests needs updating for this SDK");
        var recorder = new EngineRequests();
        var proxy = new ProxyGenerator().CreateInterfaceProxyWithTarget(property.PropertyType, property.GetValue(deployment)!, recorder);
        field.SetValue(deployment, proxy);
        return recorder;
    }

    public void Intercept(IInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (invocation.Method.Name == "RegisterResourceAsync" && invocation.Arguments[1] is IMessage request)
        {
            using var doc = JsonDocument.Parse(Formatter.Format(request));
            var json = doc.RootElement.Clone();
            lock (_requests)
            {
                _requests.Add(new RegisterRequest(json.GetProperty("type").GetString()!, json.GetProperty("name").GetString()!, json));
            }
        }

        invocation.Proceed();
    }
}

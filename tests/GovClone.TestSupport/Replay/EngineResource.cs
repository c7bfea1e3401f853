using System.Text.Json;

namespace GovClone.Tests.Support.Replay;

/// <summary>
/// One alias as the SDK sends it to the engine (<c>Alias</c> in pulumi's resource.proto): a URN, or a spec whose name
/// and type default to the resource's own and whose parent defaults to the resource's parent.
/// </summary>
/// <param name="ParentUrn">The old parent's URN (null: the resource's parent).</param>
/// <param name="NoParent">The resource had no parent (the stack).</param>
/// <param name="Urn">The whole old URN (then nothing else is set).</param>
public sealed record EngineAlias(string? Name = null, string? Type = null, string? ParentUrn = null, bool NoParent = false, string? Urn = null)
{
    public static EngineAlias Of(string urn) => new(Urn: urn);
}

/// <summary>Pulumi's <c>customTimeouts</c> option.</summary>
public sealed record EngineTimeouts(TimeSpan? Create, TimeSpan? Update, TimeSpan? Delete);

/// <summary>
/// A resource as Pulumi's engine sees it: one registration of a program, or one entry of a stack's state.
/// Pulumi-free: built from the core's <see cref="GovClone.Deploy.DeployPlan"/> (<see cref="PlanResources"/>)
/// or, in the Pulumi layer's tests, from what the program registered under mocks.
/// </summary>
public sealed record EngineResource
{
    public required string Urn { get; init; }

    public required string Name { get; init; }

    public required string Type { get; init; }

    /// <summary>The parent's URN (null: parented to the stack). A parent is created before and deleted after its children.</summary>
    public string? ParentUrn { get; init; }

    /// <summary>URNs this resource depends on: <c>dependsOn</c>, its explicit provider, and resources whose outputs feed its inputs.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];

    /// <summary>The diffable inputs as the provider receives them (a Command's create/update/delete/triggers …), secrets excluded.</summary>
    public IReadOnlyDictionary<string, object?> Inputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>A Command's whole environment, secrets filled in (the input <c>environment</c>; diffed like any other input).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Secret inputs other than the environment (the provider's password), diffed like inputs.</summary>
    public IReadOnlyDictionary<string, string?> SecretInputs { get; init; } = new Dictionary<string, string?>();

    public bool DeleteBeforeReplace { get; init; }

    public bool RetainOnDelete { get; init; }

    /// <summary>URN of the resource whose deletion makes this one's delete unnecessary (<c>deletedWith</c>).</summary>
    public string? DeletedWith { get; init; }

    /// <summary>What this resource was known by before (<c>aliases</c>), as the SDK sends them: specs or URNs (<see cref="EngineModel.AliasUrns"/> resolves them).</summary>
    public IReadOnlyList<EngineAlias> Aliases { get; init; } = [];

    /// <summary>Input paths a change of which replaces the resource (<c>replaceOnChanges</c>, the SDK's and the program's).</summary>
    public IReadOnlyList<string> ReplaceOnChanges { get; init; } = [];

    /// <summary>Outputs the engine stores as secrets whatever the provider returns (<c>additionalSecretOutputs</c>).</summary>
    public IReadOnlyList<string> AdditionalSecretOutputs { get; init; } = [];

    /// <summary>The <c>customTimeouts</c> option, if any.</summary>
    public EngineTimeouts? CustomTimeouts { get; init; }

    public string? Create => Text("create");

    public string? Update => Text("update");

    public string? Delete => Text("delete");

    public string? Stdin => Text("stdin");

    public bool IsCommand => Type is "command:local:Command";

    /// <summary>Every input, secret ones included, as canonical JSON per key (what the engine's diff compares).</summary>
    public IReadOnlyDictionary<string, string> CanonicalInputs()
    {
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Inputs)
        {
            all[k] = Canonical(v);
        }

        foreach (var (k, v) in SecretInputs)
        {
            all[k] = Canonical(v);
        }

        if (Environment is not null)
        {
            all["environment"] = Canonical(new SortedDictionary<string, string>(Environment.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal));
        }

        return all;
    }

    public override string ToString() => $"{Name} ({Type})";

    private string? Text(string key) => Inputs.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>
    /// One canonical text per value, so a registration read back from mocks (numbers as double, lists as
    /// ImmutableArray) compares equal to the plan's (int, arrays) when, and only when, the engine would see them equal.
    /// </summary>
    public static string Canonical(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        int or long or double or float or decimal => JsonSerializer.Serialize(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        System.Collections.IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => k.ToString()!).OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => JsonSerializer.Serialize(k) + ":" + Canonical(d[k]))) + "}",
        System.Collections.IEnumerable e when value is not string => "[" + string.Join(",", e.Cast<object?>().Select(Canonical)) + "]",
        _ => JsonSerializer.Serialize(value.ToString()),
    };
}

using GovClone.Configuration;

namespace GovClone.Deploy;

/// <summary>The type tokens of the Pulumi program's resources (Pulumi-free constants; the program and its tests use these).</summary>
public static class ResourceTypes
{
    public const string Stack = "pulumi:pulumi:Stack";
    public const string CloneDatabase = "govclone:postgres:CloneDatabase";
    public const string DumpRestore = "govclone:clone:DumpRestore";
    public const string SeededState = "govclone:governance:SeededState";
    public const string Compaction = "govclone:governance:Compaction";
    public const string RegressionSuite = "govclone:governance:RegressionSuite";
    public const string Branch = "govclone:branch:Branch";
    public const string BranchSuite = "govclone:branch:BranchSuite";
    public const string PostgresProvider = "pulumi:providers:postgresql";
    public const string Database = "postgresql:index/database:Database";
    public const string Grant = "postgresql:index/grant:Grant";
    public const string LocalCommand = "command:local:Command";

    /// <summary>Pulumi's own ssh (Pulumi.Command remote), used by earlier versions of the program when govclone:sshPrivateKey was set; only in aliases now.</summary>
    public const string RemoteCommand = "command:remote:Command";

    public static bool IsComponent(string type) => type.StartsWith("govclone:", StringComparison.Ordinal);
}

/// <summary>A secret input the program fills from secret config (never a value in the plan): <c>password</c> or <c>sshPrivateKey</c>.</summary>
public sealed record SecretInput(string Name)
{
    public const string Password = "password";
    public const string SshPrivateKey = "sshPrivateKey";

    public override string ToString() => $"[secret {Name}]";
}

/// <summary>An earlier name (and type) of a resource, under the same parent: Pulumi's <c>aliases</c> option, so an existing stack's resource is the same one, not a delete and a create.</summary>
public sealed record PlannedAlias(string Name, string? Type = null);

/// <summary>
/// What one Pulumi Command runs. <see cref="Create"/> (and <see cref="Update"/>, when set) is a short
/// <c>./govclone LEVER …</c> line, run by <c>/bin/sh -c</c> in the Pulumi project directory with
/// <see cref="Environment"/> plus the secret variables; <see cref="Delete"/> runs on delete with the inputs
/// stored by the last create or update.
/// </summary>
public sealed record CommandStep
{
    public required string Create { get; init; }

    /// <summary>Run instead of <see cref="Create"/> when other inputs change (Pulumi.Command runs Create again when unset).</summary>
    public string? Update { get; init; }

    public string? Delete { get; init; }

    /// <summary>A change here replaces the Command (Pulumi.Command marks triggers replaceOnChanges).</summary>
    public IReadOnlyList<object> Triggers { get; init; } = [];

    /// <summary>
    /// The plain part of the environment: a <c>GOVCLONE_*</c> variable for every non-secret setting, holding the
    /// value for the keys this lever reads (<see cref="Settings"/>) and empty for the rest, so the caller's own
    /// <c>GOVCLONE_*</c> variables never reach the lever (an empty variable counts as unset).
    /// </summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>Secret variables and the secret that fills each (the whole environment is then a secret Output).</summary>
    public IReadOnlyDictionary<string, SecretInput> SecretEnvironment { get; init; } = new Dictionary<string, SecretInput>();

    /// <summary>The settings this step's lever reads: a change to any of them changes the step's inputs (an update), no other does.</summary>
    public required IReadOnlyList<SettingKey> Settings { get; init; }

    /// <summary>The full environment, with the secrets filled in from <paramref name="secrets"/> (by <see cref="SecretInput.Name"/>; a missing one stays empty).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentWith(IReadOnlyDictionary<string, string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var env = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        foreach (var (variable, secret) in SecretEnvironment)
        {
            env[variable] = secrets.TryGetValue(secret.Name, out var v) && v is not null ? v : string.Empty;
        }

        return env;
    }
}

/// <summary>
/// One resource of the Pulumi program, completely: name, type, parent, what it depends on, its resource options
/// and its inputs. <see cref="Inputs"/> are the diffable inputs as the provider receives them (for a Command
/// everything but its secret environment, which is in <see cref="Command"/>); secret values are
/// <see cref="SecretInput"/> placeholders.
/// </summary>
public sealed record PlannedResource
{
    public required string Name { get; init; }

    public required string Type { get; init; }

    /// <summary>The parent component's name; null for a component (parented to the stack).</summary>
    public string? Parent { get; init; }

    /// <summary>Names of the resources this one explicitly depends on (<c>dependsOn</c>).</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>The explicit provider resource's name, if any.</summary>
    public string? Provider { get; init; }

    public bool DeleteBeforeReplace { get; init; }

    /// <summary>Pulumi removes it from the stack on delete but never calls the provider's delete.</summary>
    public bool RetainOnDelete { get; init; }

    public string? DeletedWith { get; init; }

    public IReadOnlyList<PlannedAlias> Aliases { get; init; } = [];

    public IReadOnlyList<string> AdditionalSecretOutputs { get; init; } = [];

    /// <summary>
    /// Inputs a change of which replaces the resource even where its provider would update it in place (Pulumi's
    /// <c>replaceOnChanges</c>; property paths, e.g. <c>name</c>).
    /// </summary>
    public IReadOnlyList<string> ReplaceOnChanges { get; init; } = [];

    public TimeSpan? CreateTimeout { get; init; }

    public TimeSpan? UpdateTimeout { get; init; }

    public TimeSpan? DeleteTimeout { get; init; }

    public IReadOnlyDictionary<string, object?> Inputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>For a Command: what it runs.</summary>
    public CommandStep? Command { get; init; }

    /// <summary>For a component: the plain values it registers as outputs (<c>RegisterOutputs</c>).</summary>
    public IReadOnlyDictionary<string, object?> Outputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>One sentence: what the resource is for (documentation and test messages).</summary>
    public required string Purpose { get; init; }

    public bool IsComponent => ResourceTypes.IsComponent(Type);

    /// <summary>The resource's URN as Pulumi's engine forms it: a component (parented to the stack) has its own type; a child's is prefixed with its parent's type.</summary>
    public string Urn(DeployPlan plan, string stack, string project)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return UrnOf(Name, Type, Parent is null ? null : plan[Parent].Type, stack, project);
    }

    /// <summary>A URN from its parts: <c>urn:pulumi:STACK::PROJECT::[PARENTTYPE$]TYPE::NAME</c> (the root stack's type is left out).</summary>
    public static string UrnOf(string name, string type, string? parentType, string stack, string project) =>
        $"urn:pulumi:{stack}::{project}::{(parentType is null ? string.Empty : parentType + "$")}{type}::{name}";
}

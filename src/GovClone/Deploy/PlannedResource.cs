namespace GovClone.Deploy;

/// <summary>
/// An earlier identity of a resource: Pulumi's <c>aliases</c> option as an alias spec (name and type, each defaulting
/// to the resource's own; the parent is the resource's parent, or, when that parent was itself matched through an
/// alias, the parent's old identity: the engine's inherited child alias), so an existing stack's resource is the same
/// one, not a delete and a create.
/// </summary>
public sealed record PlannedAlias(string? Name = null, string? Type = null);

/// <summary>
/// One resource of the Pulumi program as the engine sees it: name, type, parent, what it depends on, its resource
/// options and its typed inputs. <see cref="DeployPlan.Resources"/> lists them in registration order, for the
/// replay, the change semantics and the test that holds the program's registrations equal to them.
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

    /// <summary>The resource's inputs, typed (null for a component, which registers none).</summary>
    public ResourceInputs? Inputs { get; init; }

    /// <summary>For a Command: what it runs.</summary>
    public CommandStep? Command => Inputs as CommandStep;

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

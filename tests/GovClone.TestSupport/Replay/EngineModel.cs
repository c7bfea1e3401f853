namespace GovClone.Tests.Support.Replay;

/// <summary>What the engine decides for one resource when it compares the program with the stack.</summary>
public enum ChangeKind
{
    /// <summary>In both, inputs equal: nothing runs.</summary>
    Same,

    /// <summary>Only in the program.</summary>
    Create,

    /// <summary>In both, inputs differ in a way the provider updates in place.</summary>
    Update,

    /// <summary>In both, inputs differ in a way the provider cannot update: a new resource, and the old one deleted.</summary>
    Replace,

    /// <summary>Only in the stack: deleted.</summary>
    Delete,
}

/// <summary>What one step does, in the order the engine runs it.</summary>
public enum StepOp
{
    Same,
    Create,
    Update,

    /// <summary>The new half of a replacement.</summary>
    CreateReplacement,

    /// <summary>The old half of a replacement: first (deleteBeforeReplace) or at the end of the update (the default).</summary>
    DeleteReplaced,

    /// <summary>A resource no longer in the program, at the end of the update; or every resource, on destroy.</summary>
    Delete,
}

/// <summary>One step: its op, the resource's old state and new registration, and, for a delete that runs nothing, why.</summary>
public sealed record EngineStep(StepOp Op, EngineResource? Old, EngineResource? New, string? Skipped = null)
{
    public string Urn => (New ?? Old)!.Urn;

    public string Name => (New ?? Old)!.Name;

    public override string ToString() => $"{Op} {Name}{(Skipped is null ? string.Empty : $" (no delete runs: {Skipped})")}";
}

/// <summary>A diff of one resource: the kind, the inputs that differ, why it is replaced, and whether the provider asks to delete the old one first.</summary>
public sealed record ResourceDiff(ChangeKind Kind, IReadOnlyList<string> ChangedInputs, string? ReplaceReason = null, bool ProviderDeleteBeforeReplace = false);

/// <summary>The steps of one <c>pulumi up</c> or <c>pulumi destroy</c>, in order, and what they change per resource.</summary>
public sealed record EnginePlan(IReadOnlyList<EngineStep> Steps, IReadOnlyDictionary<string, ChangeKind> Changes)
{
    public IReadOnlyList<string> Of(ChangeKind kind) => Changes.Where(c => c.Value == kind).Select(c => c.Key).OrderBy(u => u, StringComparer.Ordinal).ToList();

    /// <summary>Names (not URNs) of the resources with this change, sorted.</summary>
    public IReadOnlyList<string> NamesOf(ChangeKind kind) => Of(kind).Select(EngineModel.NameOf).OrderBy(n => n, StringComparer.Ordinal).ToList();

    public override string ToString() => string.Join("; ", Steps);
}

/// <summary>
/// A Pulumi-free model of the order in which Pulumi's engine runs the steps of an update and a destroy, and of
/// how the providers this program uses diff their inputs. It encodes these rules (sources: Pulumi's
/// "How Pulumi works" https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/, the deleteBeforeReplace
/// option https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/, retainOnDelete
/// https://www.pulumi.com/docs/iac/concepts/options/retainondelete/, deletedWith
/// https://www.pulumi.com/docs/iac/concepts/options/deletedwith/, aliases
/// https://www.pulumi.com/docs/iac/concepts/options/aliases/, pending deletes after a failed update
/// https://github.com/pulumi/pulumi/issues/2948, and Pulumi.Command's lifecycle
/// https://www.pulumi.com/registry/packages/command/api-docs/local/command/):
/// <list type="number">
/// <item>The program's registrations are compared with the stack's state by URN (or an alias of it): in both =
/// same, update or replace (per the provider's diff, below); only in the program = create; only in the state =
/// delete.</item>
/// <item>Aliases, as pulumi/pulumi v3.258.0 <c>pkg/resource/deploy/step_generator.go</c> resolves them
/// (<see cref="AliasUrns"/>: <c>collapseAliasToUrn</c>, <c>generateAliases</c>, <c>inheritedChildAlias</c>,
/// <c>getOldResource</c>): a spec's name and type default to the resource's, its parent to the resource's (new)
/// parent; when that parent was itself matched through an alias in this update, every alias is also tried under the
/// parent's old URN (the child's name, a prefix equal to the parent's new name replaced by its old one), so a
/// component's rename or new type carries its children along. The URN is looked up first, then the aliases in order;
/// an alias naming a URN another registration has already taken, or one another alias already claimed, fails the
/// update.</item>
/// <item>Creates, updates and replacements run as the program registers the resources, which is dependency order
/// (the engine runs independent ones in parallel; any dependency-respecting serial order is one it may take).</item>
/// <item>A replacement creates the new resource first and deletes the old one at the end of the update, unless
/// it is delete-before-replace (the registration's option, or the provider's request: last item): then the old one
/// is deleted first. (The engine also replaces, delete-first, dependents whose input properties depend on a
/// resource replaced delete-first, or whose provider is replaced: pulumi/pulumi v3.258.0
/// <c>step_generator.go</c> <c>calculateDependentReplacements</c>; this program's dependencies are
/// <c>dependsOn</c> only and its provider is never replaced, so none are, and the model does not cascade.)</item>
/// <item>Resources no longer in the program, the old halves of create-first replacements, and resources left
/// pending-delete by an earlier failed update (since v3.46, issue 2948) are deleted at the end of the update, in
/// reverse dependency order (dependents, then children, before what they depend on).</item>
/// <item>A failed step ends the update: later steps and every end-of-update delete do not run; replaced
/// resources stay in the state as pending deletes, removed ones stay as they are.</item>
/// <item><c>pulumi destroy</c> deletes every resource of the state in reverse dependency order.</item>
/// <item>A delete of a resource with <c>retainOnDelete</c> removes it from the state and calls no provider; a
/// delete of a resource whose <c>deletedWith</c> target is deleted in the same operation runs nothing.</item>
/// <item>Diffs, per <see cref="ProviderDiffs"/> (each rule read off the provider's source at the pinned version, cited
/// there): a Command is replaced when its <c>triggers</c> change and updated when any other input (create, update,
/// delete, environment, stdin …) changes (Update runs, or Create again when there is no Update); a postgresql
/// Database is replaced when its template, encoding, lcCollate or lcCtype change and <b>updated in place when its
/// name changes</b> (the provider renames it: <c>ALTER DATABASE old RENAME TO new</c>); a Grant is replaced when
/// role, database, schema, objectType, objects, columns or withGrantOption change (the provider asks for
/// delete-before-replace) and updated when its privileges change; a provider is updated in place; a component has
/// no inputs of its own. <c>replaceOnChanges</c> (the program's, and the SDK's own for a Command:
/// <c>triggers[*]</c>) names more inputs that replace, by their top-level input name.</item>
/// <item>The delete-before-replace of a replacement is the registration's <c>deleteBeforeReplace</c> when set,
/// else the provider's (pulumi/pulumi v3.258.0 <c>pkg/resource/deploy/step_generator.go</c>: the goal's option
/// overrides the DiffResponse's; this program only ever sets it to true).</item>
/// </list>
/// </summary>
public static class EngineModel
{
    /// <summary>Inputs whose change the provider reports as a replacement, per resource type (beyond replaceOnChanges): <see cref="ProviderDiffs"/>.</summary>
    public static IReadOnlySet<string> ReplacingInputs(string type) => ProviderDiffs.For(type).ReplacingInputs;

    /// <summary>The top-level input a <c>replaceOnChanges</c> path names (<c>triggers[*]</c> → <c>triggers</c>, <c>a.b</c> → <c>a</c>).</summary>
    public static string TopLevelInput(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var end = path.IndexOfAny(['[', '.']);
        return end < 0 ? path : path[..end];
    }

    /// <summary>The provider's diff of a resource's old state against its new registration.</summary>
    public static ResourceDiff Diff(EngineResource old, EngineResource @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var a = old.CanonicalInputs();
        var b = @new.CanonicalInputs();
        var changed = a.Keys.Union(b.Keys).Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (changed.Count == 0)
        {
            return new ResourceDiff(ChangeKind.Same, changed);
        }

        var provider = ProviderDiffs.For(@new.Type);
        var byProvider = changed.Where(provider.ReplacingInputs.Contains).ToList();
        var byOption = changed.Where(@new.ReplaceOnChanges.Select(TopLevelInput).ToHashSet(StringComparer.Ordinal).Contains).Except(byProvider).ToList();
        if (old.Type != @new.Type && !ResourceTypesInterchangeable(old.Type, @new.Type))
        {
            return new ResourceDiff(ChangeKind.Replace, changed, $"type {old.Type} -> {@new.Type}");
        }

        // The bridge asks for delete-before-replace only when it replaces (a ForceNew change), not when replaceOnChanges does.
        return byProvider.Count + byOption.Count > 0
            ? new ResourceDiff(ChangeKind.Replace, changed, string.Join(", ", byProvider.Concat(byOption)), ProviderDeleteBeforeReplace: byProvider.Count > 0 && provider.DeleteBeforeReplace)
            : new ResourceDiff(ChangeKind.Update, changed);
    }

    /// <summary>The steps of <c>pulumi up</c> of <paramref name="program"/> (registration order) against <paramref name="state"/>.</summary>
    public static EnginePlan Update(StackState state, IReadOnlyList<EngineResource> program)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(program);
        var duplicate = program.GroupBy(r => r.Urn, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"the program registers {duplicate.Key} twice");
        }

        var steps = new List<EngineStep>();
        var changes = new Dictionary<string, ChangeKind>(StringComparer.Ordinal);
        var matched = new HashSet<StateEntry>();
        var endDeletes = new List<(StateEntry Entry, StepOp Op)>();
        var registered = new HashSet<string>(StringComparer.Ordinal);
        var aliasedFrom = new Dictionary<string, string>(StringComparer.Ordinal); // new URN -> the old URN it matched by alias
        var claimedBy = new Dictionary<string, string>(StringComparer.Ordinal); // old URN -> the new URN whose alias claimed it
        foreach (var r in program)
        {
            registered.Add(r.Urn);
            var old = Live(state, r.Urn);
            if (old is null)
            {
                foreach (var alias in AliasUrns(r, aliasedFrom))
                {
                    if (Live(state, alias) is not { } found)
                    {
                        continue;
                    }

                    if (registered.Contains(alias) || claimedBy.ContainsKey(alias))
                    {
                        throw new InvalidOperationException($"{r.Urn}: its alias {alias} names a resource another registration has already taken (the engine fails the update)");
                    }

                    claimedBy[alias] = r.Urn;
                    aliasedFrom[r.Urn] = alias;
                    old = found;
                    break;
                }
            }
            else if (claimedBy.TryGetValue(r.Urn, out var claimer))
            {
                throw new InvalidOperationException($"{r.Urn} is registered, but {claimer} already claimed it by an alias (the engine fails the update)");
            }

            if (old is null)
            {
                steps.Add(new EngineStep(StepOp.Create, null, r));
                changes[r.Urn] = ChangeKind.Create;
                continue;
            }

            matched.Add(old);
            var diff = Diff(old.Resource, r);
            changes[r.Urn] = diff.Kind;
            switch (diff.Kind)
            {
                case ChangeKind.Same:
                    steps.Add(new EngineStep(StepOp.Same, old.Resource, r));
                    break;
                case ChangeKind.Update:
                    steps.Add(new EngineStep(StepOp.Update, old.Resource, r));
                    break;
                default:
                    if (r.DeleteBeforeReplace || diff.ProviderDeleteBeforeReplace)
                    {
                        steps.Add(new EngineStep(StepOp.DeleteReplaced, old.Resource, null, old.Resource.RetainOnDelete ? "retainOnDelete" : null));
                        steps.Add(new EngineStep(StepOp.CreateReplacement, old.Resource, r));
                    }
                    else
                    {
                        steps.Add(new EngineStep(StepOp.CreateReplacement, old.Resource, r));
                        endDeletes.Add((old, StepOp.DeleteReplaced));
                    }

                    break;
            }
        }

        foreach (var removed in state.Live.Where(e => !matched.Contains(e)))
        {
            endDeletes.Add((removed, StepOp.Delete));
            changes[removed.Resource.Urn] = ChangeKind.Delete;
        }

        foreach (var pending in state.PendingDeletes)
        {
            endDeletes.Add((pending, StepOp.DeleteReplaced));
        }

        steps.AddRange(OrderedDeletes(state, endDeletes));
        return new EnginePlan(steps, changes);
    }

    /// <summary>The steps of <c>pulumi destroy</c>: every resource of the state, dependents first.</summary>
    public static EnginePlan Destroy(StackState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var all = state.Live.Select(e => (e, StepOp.Delete)).Concat(state.PendingDeletes.Select(e => (e, StepOp.DeleteReplaced))).ToList();
        return new EnginePlan(OrderedDeletes(state, all).ToList(), state.Live.ToDictionary(e => e.Resource.Urn, _ => ChangeKind.Delete, StringComparer.Ordinal));
    }

    /// <summary>The name at the end of a URN.</summary>
    public static string NameOf(string urn) => urn.Contains("::", StringComparison.Ordinal) ? urn[(urn.LastIndexOf("::", StringComparison.Ordinal) + 2)..] : urn;

    /// <summary>A URN's qualified type: its parents' types and its own, <c>parent$type</c> (Go's <c>URN.QualifiedType</c>).</summary>
    public static string QualifiedTypeOf(string urn) => Part(urn, 2);

    /// <summary>A URN's own type, the last of its qualified type (Go's <c>URN.Type</c>).</summary>
    public static string TypeOf(string urn) => QualifiedTypeOf(urn).Split('$')[^1];

    /// <summary>
    /// The URNs the engine looks a registration's old state up by, after its own, in order (pulumi/pulumi v3.258.0
    /// <c>step_generator.go</c> <c>generateAliases</c>): each alias collapsed to a URN; then, when the parent matched an
    /// old resource through an alias (<paramref name="aliasedFrom"/>: new URN → old URN), the inherited child alias of
    /// the resource itself and of each of its aliases under that old parent.
    /// </summary>
    public static IReadOnlyList<string> AliasUrns(EngineResource r, IReadOnlyDictionary<string, string> aliasedFrom)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(aliasedFrom);
        var result = new List<string>();
        void Add(string urn)
        {
            if (!result.Contains(urn, StringComparer.Ordinal))
            {
                result.Add(urn);
            }
        }

        var collapsed = r.Aliases.Select(a => Collapse(r, a, aliasedFrom)).ToList();
        collapsed.ForEach(Add);
        if (r.ParentUrn is { } parent && aliasedFrom.TryGetValue(parent, out var parentAlias))
        {
            Add(InheritedChildAlias(r.Urn, TypeOf(r.Urn), r.Name, NameOf(parent), parentAlias));
            foreach (var c in collapsed)
            {
                Add(InheritedChildAlias(r.Urn, TypeOf(c), NameOf(c), NameOf(parent), parentAlias));
            }
        }

        return result;
    }

    /// <summary><c>collapseAliasToUrn</c>: a URN alias as it is; a spec's name and type default to the resource's, its parent to the resource's parent (or the old URN an aliased parent matched).</summary>
    private static string Collapse(EngineResource r, EngineAlias alias, IReadOnlyDictionary<string, string> aliasedFrom)
    {
        if (alias.Urn is { Length: > 0 } urn)
        {
            return urn;
        }

        var parent = alias.ParentUrn is { Length: > 0 } p ? aliasedFrom.GetValueOrDefault(p, p) : r.ParentUrn;
        if (alias.NoParent || parent is not null && TypeOf(parent) == "pulumi:pulumi:Stack")
        {
            parent = null;
        }

        return Create(r.Urn, parent is null ? null : QualifiedTypeOf(parent), alias.Type ?? r.Type, alias.Name ?? r.Name);
    }

    /// <summary><c>inheritedChildAlias</c>: the child under its parent's old URN, a name that starts with the parent's name renamed with it (the <c>{name}-suffix</c> convention).</summary>
    private static string InheritedChildAlias(string urn, string childType, string childName, string parentName, string parentAlias)
    {
        var name = childName.StartsWith(parentName, StringComparison.Ordinal) ? NameOf(parentAlias) + childName[parentName.Length..] : childName;
        return Create(urn, QualifiedTypeOf(parentAlias), childType, name);
    }

    /// <summary>A URN in <paramref name="like"/>'s stack and project.</summary>
    private static string Create(string like, string? parentQualifiedType, string type, string name) =>
        $"urn:pulumi:{Part(like, 0)["urn:pulumi:".Length..]}::{Part(like, 1)}::{(parentQualifiedType is null ? string.Empty : parentQualifiedType + "$")}{type}::{name}";

    /// <summary>The <paramref name="i"/>th <c>::</c>-separated part of a URN (0: urn:pulumi:STACK, 1: project, 2: qualified type, 3: name).</summary>
    private static string Part(string urn, int i)
    {
        var parts = urn.Split("::", 4);
        return parts.Length == 4 && parts[0].StartsWith("urn:pulumi:", StringComparison.Ordinal) ? parts[i] : throw new FormatException($"not a URN: {urn}");
    }

    private static StateEntry? Live(StackState state, string urn) => state.Live.FirstOrDefault(e => e.Resource.Urn == urn);

    private static bool ResourceTypesInterchangeable(string a, string b) =>
        a.StartsWith("command:", StringComparison.Ordinal) && b.StartsWith("command:", StringComparison.Ordinal);

    /// <summary>End-of-operation deletes in reverse dependency order, with deletedWith and retainOnDelete applied.</summary>
    private static IEnumerable<EngineStep> OrderedDeletes(StackState state, List<(StateEntry Entry, StepOp Op)> deletes)
    {
        var deleting = deletes.Select(d => d.Entry.Resource.Urn).ToHashSet(StringComparer.Ordinal);
        var order = state.DeleteOrder();
        foreach (var (entry, op) in deletes.OrderBy(d => order.IndexOf(d.Entry)))
        {
            var r = entry.Resource;
            var skipped = r.RetainOnDelete ? "retainOnDelete"
                : r.DeletedWith is not null && deleting.Contains(r.DeletedWith) ? "deletedWith " + NameOf(r.DeletedWith)
                : null;
            yield return new EngineStep(op, r, null, skipped);
        }
    }
}

using GovClone.Tests.Support.Replay;

namespace GovClone.Tests.Replay;

/// <summary>The replay's model of Pulumi's engine, on hand-made resources: every ordering rule it encodes, one test each.</summary>
public class EngineModelTests
{
    private static readonly string[] Connect = ["CONNECT"];

    private static string U(string name) => "urn:pulumi:test::govclone::command:local:Command::" + name;

    private static EngineResource Cmd(string name, string create = "true", object? trigger = null, string? delete = null, string[]? deps = null,
        bool dbr = false, bool retain = false, string? deletedWith = null, string[]? aliases = null) => new()
        {
            Urn = U(name),
            Name = name,
            Type = "command:local:Command",
            Dependencies = deps?.Select(U).ToList() ?? [],
            Inputs = new Dictionary<string, object?>
            {
                ["create"] = create,
                ["triggers"] = trigger is null ? Array.Empty<object>() : new[] { trigger },
                ["delete"] = delete,
            },
            DeleteBeforeReplace = dbr,
            RetainOnDelete = retain,
            DeletedWith = deletedWith is null ? null : U(deletedWith),
            Aliases = aliases?.Select(a => EngineAlias.Of(U(a))).ToList() ?? [],
        };

    /// <summary>Records what would run at the server; fails on the step named <see cref="FailOn"/>.</summary>
    private sealed class Recorder : IStepRunner
    {
        public List<string> Log { get; } = [];

        public string? FailOn { get; set; }

        public Task CreateAsync(EngineResource resource, CancellationToken ct) => Run("create " + resource.Name + ": " + resource.Create, resource.Name);

        public Task UpdateAsync(EngineResource old, EngineResource updated, CancellationToken ct) => Run("update " + updated.Name + ": " + (updated.Update ?? updated.Create), updated.Name);

        public Task DeleteAsync(EngineResource old, CancellationToken ct) => old.Delete is null ? Task.CompletedTask : Run("delete " + old.Name + ": " + old.Delete, old.Name);

        private Task Run(string line, string name)
        {
            if (name == FailOn)
            {
                throw new StepFailedException(new EngineStep(StepOp.Create, null, null), "failed on purpose");
            }

            Log.Add(line);
            return Task.CompletedTask;
        }
    }

    private static async Task<(StackState State, Recorder Runner)> UpAsync(StackState state, params EngineResource[] program)
    {
        var runner = new Recorder();
        var result = await EngineReplay.RunAsync(state, EngineModel.Update(state, program), runner);
        Assert.True(result.Succeeded, result.Failure?.Message);
        return (result.State, runner);
    }

    [Fact]
    public async Task A_new_stack_creates_everything_in_registration_order_and_an_unchanged_program_runs_nothing()
    {
        var (state, runner) = await UpAsync(StackState.Empty, Cmd("a", "make a"), Cmd("b", "make b", deps: ["a"]));
        Assert.Equal(["create a: make a", "create b: make b"], runner.Log);
        var again = EngineModel.Update(state, [Cmd("a", "make a"), Cmd("b", "make b", deps: ["a"])]);
        Assert.All(again.Steps, s => Assert.Equal(StepOp.Same, s.Op));
    }

    [Fact]
    public async Task A_changed_input_updates_a_command_by_running_it_again_and_a_changed_trigger_replaces_it()
    {
        var (state, _) = await UpAsync(StackState.Empty, Cmd("a", "v1", trigger: 1, delete: "undo a"));
        var (state2, runner) = await UpAsync(state, Cmd("a", "v2", trigger: 1, delete: "undo a"));
        Assert.Equal(["update a: v2"], runner.Log);
        Assert.Equal(ChangeKind.Update, EngineModel.Update(state, [Cmd("a", "v2", trigger: 1, delete: "undo a")]).Changes[U("a")]);

        // Create first, the old one's delete at the very end (after b, registered later).
        var (_, replaced) = await UpAsync(state2, Cmd("a", "v2", trigger: 2, delete: "undo a"), Cmd("b", "make b"));
        Assert.Equal(["create a: v2", "create b: make b", "delete a: undo a"], replaced.Log);
    }

    [Fact]
    public async Task DeleteBeforeReplace_deletes_the_old_one_first()
    {
        var (state, _) = await UpAsync(StackState.Empty, Cmd("a", "v1", trigger: 1, delete: "undo a", dbr: true));
        var (_, runner) = await UpAsync(state, Cmd("a", "v1", trigger: 2, delete: "undo a", dbr: true), Cmd("b", "make b"));
        Assert.Equal(["delete a: undo a", "create a: v1", "create b: make b"], runner.Log);
    }

    [Fact]
    public void A_provider_that_asks_for_delete_before_replace_gets_it_and_the_programs_option_adds_to_it()
    {
        EngineResource Grant(string database, bool retain = false) => new()
        {
            Urn = "urn:g",
            Name = "g",
            Type = "postgresql:index/grant:Grant",
            RetainOnDelete = retain,
            Inputs = new Dictionary<string, object?> { ["database"] = database, ["role"] = "public", ["objectType"] = "database" },
        };

        var state = new StackState([new StateEntry(Grant("x"))]);
        Assert.Equal([StepOp.DeleteReplaced, StepOp.CreateReplacement], EngineModel.Update(state, [Grant("y")]).Steps.Select(s => s.Op));
        // The delete half of a replacement honours retainOnDelete (pulumi/pulumi v3.258.0 pkg/resource/deploy/step.go DeleteStep.Apply).
        var retained = new StackState([new StateEntry(Grant("x", retain: true))]);
        Assert.Equal("retainOnDelete", EngineModel.Update(retained, [Grant("y", retain: true)]).Steps[0].Skipped);
    }

    [Fact]
    public async Task A_delete_runs_with_the_inputs_stored_last_not_the_programs()
    {
        var (state, _) = await UpAsync(StackState.Empty, Cmd("a", "v1", trigger: 1, delete: "undo v1"));
        var (state2, _) = await UpAsync(state, Cmd("a", "v1", trigger: 1, delete: "undo v2"));
        var (_, runner) = await UpAsync(state2, Cmd("a", "v1", trigger: 2, delete: "undo v3"));
        Assert.Equal(["create a: v1", "delete a: undo v2"], runner.Log);
    }

    [Fact]
    public async Task Removed_resources_are_deleted_last_in_reverse_dependency_order()
    {
        var (state, _) = await UpAsync(StackState.Empty,
            Cmd("base", delete: "undo base"), Cmd("mid", deps: ["base"], delete: "undo mid"), Cmd("top", deps: ["mid"], delete: "undo top"), Cmd("keep"));
        var (_, runner) = await UpAsync(state, Cmd("keep", "changed"), Cmd("new"));
        Assert.Equal(["update keep: changed", "create new: true", "delete top: undo top", "delete mid: undo mid", "delete base: undo base"], runner.Log);
    }

    [Fact]
    public async Task Destroy_deletes_everything_dependents_first_honouring_retainOnDelete_and_deletedWith()
    {
        var (state, _) = await UpAsync(StackState.Empty,
            Cmd("db", delete: "drop db", retain: true),
            Cmd("data", deps: ["db"], delete: "drop data", deletedWith: "db"),
            Cmd("drop", deps: ["db"], delete: "govclone drop"),
            Cmd("seed", deps: ["drop"], delete: "reset"));
        var destroy = EngineModel.Destroy(state);
        Assert.Equal(["seed", "drop", "data", "db"], destroy.Steps.Select(s => s.Name));
        Assert.Equal("deletedWith db", destroy.Steps.Single(s => s.Name == "data").Skipped);
        Assert.Equal("retainOnDelete", destroy.Steps.Single(s => s.Name == "db").Skipped);
        var runner = new Recorder();
        var result = await EngineReplay.RunAsync(state, destroy, runner);
        Assert.Equal(["delete seed: reset", "delete drop: govclone drop"], runner.Log);
        Assert.Empty(result.State.Entries);

        // deletedWith only skips when its target goes in the same operation: removing "data" alone runs its delete.
        var (_, alone) = await UpAsync(state, Cmd("db", delete: "drop db", retain: true), Cmd("drop", deps: ["db"], delete: "govclone drop"), Cmd("seed", deps: ["drop"], delete: "reset"));
        Assert.Equal(["delete data: drop data"], alone.Log);
    }

    [Fact]
    public async Task An_alias_keeps_a_renamed_resource_the_same_one()
    {
        var (state, _) = await UpAsync(StackState.Empty, Cmd("old-name", "v1", delete: "reset"));
        var plan = EngineModel.Update(state, [Cmd("new-name", "v2", aliases: ["old-name"])]);
        Assert.Equal(ChangeKind.Update, plan.Changes[U("new-name")]);
        Assert.DoesNotContain(ChangeKind.Delete, plan.Changes.Values);
        var (state2, runner) = await UpAsync(state, Cmd("new-name", "v2", aliases: ["old-name"]));
        Assert.Equal(["update new-name: v2"], runner.Log);
        Assert.Equal([U("new-name")], state2.Urns);

        // Without the alias the same rename is a create and, at the end, the old one's delete.
        var (_, renamed) = await UpAsync(state, Cmd("new-name", "v2"));
        Assert.Equal(["create new-name: v2", "delete old-name: reset"], renamed.Log);
    }

    private const string Stack = "urn:pulumi:test::govclone::";

    private static EngineResource Component(string name, string type, params EngineAlias[] aliases) =>
        new() { Urn = Stack + type + "::" + name, Name = name, Type = type, Aliases = aliases };

    private static EngineResource Child(EngineResource parent, string name, string create, string? delete = null, params EngineAlias[] aliases) => new()
    {
        Urn = Stack + parent.Type + "$command:local:Command::" + name,
        Name = name,
        Type = "command:local:Command",
        ParentUrn = parent.Urn,
        Inputs = new Dictionary<string, object?> { ["create"] = create, ["delete"] = delete },
        Aliases = aliases,
    };

    /// <summary>
    /// pulumi/pulumi v3.258.0 step_generator.go: a component matched through its alias gives each child an inherited
    /// alias under its old URN (a child name starting with the new component name renamed with it), and each alias of
    /// the child is tried under the old parent too; so a component's new name and type keep its children.
    /// </summary>
    [Fact]
    public async Task A_renamed_and_retyped_component_keeps_its_children_through_the_engines_inherited_aliases()
    {
        var oldComponent = Component("dump", "t:m:Old");
        var (state, _) = await UpAsync(StackState.Empty, oldComponent,
            Child(oldComponent, "dump-run", "run", delete: "drop"), Child(oldComponent, "dump-extra", "extra", delete: "drop extra"));

        var component = Component("clone", "t:m:New", new EngineAlias("dump", "t:m:Old"));
        EngineResource[] program =
        [
            component,
            Child(component, "clone-run", "run", delete: "drop"), // "clone-…" is "dump-…" renamed with its parent: no alias of its own
            Child(component, "clone-kept", "extra", "drop extra", new EngineAlias("dump-extra")), // a new name: its own alias, tried under the old parent
        ];
        var plan = EngineModel.Update(state, program);
        Assert.All(plan.Steps, s => Assert.Equal(StepOp.Same, s.Op));
        Assert.Equal(program.Select(r => r.Urn).Order(StringComparer.Ordinal), plan.Changes.Keys.Order(StringComparer.Ordinal));
        var (upgraded, runner) = await UpAsync(state, program);
        Assert.Empty(runner.Log);
        Assert.Equal(program.Select(r => r.Urn).Order(StringComparer.Ordinal), upgraded.Urns);

        // The inherited aliases, in the engine's order: the spec under the new parent, then both under the old one.
        var aliased = new Dictionary<string, string> { [component.Urn] = oldComponent.Urn };
        Assert.Equal(
            [Stack + "t:m:New$command:local:Command::dump-extra", Stack + "t:m:Old$command:local:Command::dump-kept", Stack + "t:m:Old$command:local:Command::dump-extra"],
            EngineModel.AliasUrns(program[2], aliased));
        Assert.Equal([Stack + "t:m:Old$command:local:Command::dump-run"], EngineModel.AliasUrns(program[1], aliased));
        Assert.Empty(EngineModel.AliasUrns(program[1], new Dictionary<string, string>()));

        // Without the component's alias the children are new resources, and the old ones' deletes run at the end.
        var (_, unaliased) = await UpAsync(state, Component("clone", "t:m:New"), Child(Component("clone", "t:m:New"), "clone-run", "run", delete: "drop"));
        Assert.Equal(["create clone: ", "create clone-run: run", "delete dump-extra: drop extra", "delete dump-run: drop"], unaliased.Log);
    }

    [Fact]
    public void An_alias_spec_takes_the_resources_name_type_and_parent_unless_it_names_its_own_and_two_claims_on_one_resource_fail()
    {
        var parent = Component("p", "t:m:P");
        var r = Child(parent, "r", "run", null,
            new EngineAlias(Name: "a"), new EngineAlias(Type: "command:remote:Command"), new EngineAlias(Name: "b", NoParent: true),
            new EngineAlias(Name: "c", ParentUrn: Stack + "t:m:Q::q"), EngineAlias.Of(Stack + "x:y:Z::z"));
        Assert.Equal(
            [
                Stack + "t:m:P$command:local:Command::a", Stack + "t:m:P$command:remote:Command::r", Stack + "command:local:Command::b",
                Stack + "t:m:Q$command:local:Command::c", Stack + "x:y:Z::z",
            ],
            EngineModel.AliasUrns(r, new Dictionary<string, string>()));

        var state = new StackState([new StateEntry(Cmd("old", "v1"))]);
        Assert.Throws<InvalidOperationException>(() => EngineModel.Update(state, [Cmd("a", "v1", aliases: ["old"]), Cmd("b", "v1", aliases: ["old"])]));
        Assert.Throws<InvalidOperationException>(() => EngineModel.Update(state, [Cmd("a", "v1", aliases: ["old"]), Cmd("old", "v1")]));
        Assert.Throws<InvalidOperationException>(() => EngineModel.Update(state, [Cmd("old", "v1"), Cmd("a", "v1", aliases: ["old"])]));
    }

    [Fact]
    public async Task A_failed_step_ends_the_update_and_its_pending_deletes_run_at_the_end_of_the_next_one()
    {
        var (state, _) = await UpAsync(StackState.Empty, Cmd("a", "v1", trigger: 1, delete: "undo a"), Cmd("b", deps: ["a"]));
        var runner = new Recorder { FailOn = "b" };
        var failed = await EngineReplay.RunAsync(state, EngineModel.Update(state, [Cmd("a", "v1", trigger: 2, delete: "undo a"), Cmd("b", "v2", deps: ["a"])]), runner);
        Assert.False(failed.Succeeded);
        Assert.Equal(["create a: v1"], runner.Log); // the old a's delete (scheduled for the end) never ran
        Assert.Single(failed.State.PendingDeletes);

        var (_, next) = await UpAsync(failed.State, Cmd("a", "v1", trigger: 2, delete: "undo a"), Cmd("b", "v2", deps: ["a"]));
        Assert.Equal(["update b: v2", "delete a: undo a"], next.Log);
    }

    [Fact]
    public void Diffs_follow_each_providers_rules()
    {
        // postgresql_database (terraform-provider-postgresql ff936b9548c1): name is not ForceNew, so a new name is an
        // in-place update (the provider renames); template, encoding, lc_collate, lc_ctype are ForceNew.
        var db = new EngineResource { Urn = "urn:db", Name = "db", Type = "postgresql:index/database:Database", Inputs = new Dictionary<string, object?> { ["name"] = "x" } };
        Assert.Equal(ChangeKind.Update, EngineModel.Diff(db, db with { Inputs = new Dictionary<string, object?> { ["name"] = "y" } }).Kind);
        var replaced = EngineModel.Diff(db, db with { Inputs = new Dictionary<string, object?> { ["name"] = "x", ["template"] = "template1" } });
        Assert.Equal((ChangeKind.Replace, "template", false), (replaced.Kind, replaced.ReplaceReason, replaced.ProviderDeleteBeforeReplace));
        // replaceOnChanges makes a name change a replacement (create-first: the bridge asks for nothing).
        var named = EngineModel.Diff(db with { ReplaceOnChanges = ["name"] }, db with { ReplaceOnChanges = ["name"], Inputs = new Dictionary<string, object?> { ["name"] = "y" } });
        Assert.Equal((ChangeKind.Replace, "name", false), (named.Kind, named.ReplaceReason, named.ProviderDeleteBeforeReplace));

        // postgresql_grant: privileges is an update; database (ForceNew) replaces, and pulumi-postgresql's resources.go
        // asks for delete-before-replace.
        var grant = new EngineResource
        {
            Urn = "urn:g",
            Name = "g",
            Type = "postgresql:index/grant:Grant",
            Inputs = new Dictionary<string, object?> { ["database"] = "x", ["role"] = "public", ["objectType"] = "database", ["privileges"] = Array.Empty<string>() },
        };
        Assert.Equal(ChangeKind.Update, EngineModel.Diff(grant, grant with { Inputs = new Dictionary<string, object?>(grant.Inputs) { ["privileges"] = Connect } }).Kind);
        var moved = EngineModel.Diff(grant, grant with { Inputs = new Dictionary<string, object?>(grant.Inputs) { ["database"] = "y" } });
        Assert.Equal((ChangeKind.Replace, "database", true), (moved.Kind, moved.ReplaceReason, moved.ProviderDeleteBeforeReplace));

        // A Command: the SDK's replaceOnChanges path triggers[*] names the input triggers.
        var withSdkOption = Cmd("c", trigger: 1) with { ReplaceOnChanges = ["triggers[*]"] };
        Assert.Equal("triggers", EngineModel.Diff(withSdkOption, withSdkOption with { Inputs = Cmd("c", trigger: 2).Inputs }).ReplaceReason);
        var provider = new EngineResource { Urn = "urn:p", Name = "p", Type = "pulumi:providers:postgresql", SecretInputs = new Dictionary<string, string?> { ["password"] = "a" } };
        Assert.Equal(ChangeKind.Update, EngineModel.Diff(provider, provider with { SecretInputs = new Dictionary<string, string?> { ["password"] = "b" } }).Kind);
        var cmd = Cmd("c", trigger: 1) with { Environment = new Dictionary<string, string> { ["GOVCLONE_PASSWORD"] = "a" } };
        Assert.Equal(ChangeKind.Update, EngineModel.Diff(cmd, cmd with { Environment = new Dictionary<string, string> { ["GOVCLONE_PASSWORD"] = "b" } }).Kind);
        // Mocks hand numbers back as double: the same trigger either way.
        Assert.Equal(ChangeKind.Same, EngineModel.Diff(Cmd("c", trigger: 1), Cmd("c", trigger: 1.0)).Kind);
        Assert.Equal(ChangeKind.Replace, EngineModel.Diff(Cmd("c", trigger: 1), Cmd("c", trigger: "1")).Kind);
    }
}

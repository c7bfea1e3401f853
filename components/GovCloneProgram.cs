using GovClone.Deploy;
using Pulumi;

namespace GovCloneInfra;

/// <summary>
/// The whole stack: the components, each given its typed inputs from the core's <see cref="DeployPlan"/> (the levers'
/// lines and environments, the provider's configuration) and the secrets from <see cref="StackSettings"/>:
/// <c>database</c> (<see cref="CloneDatabase"/>) → <c>clone</c> (<see cref="Clone"/>) → <c>governance</c>
/// (<see cref="SeededState"/>) → <c>compact</c> (<see cref="Compaction"/>, when govclone:compactGeneration &gt; 0) →
/// <c>regression-suite</c> (<see cref="RegressionSuite"/>), each after what it is given; the stack outputs from the
/// suite step's JSON. On a branch stack (govclone:branchOf): <c>branch</c> (<see cref="Branch"/>) →
/// <c>branch-suite</c> (<see cref="BranchSuite"/>). Used by Program.cs and by the mock tests.
/// </summary>
public static class GovCloneProgram
{
    /// <param name="stack">The validated settings and secrets.</param>
    /// <param name="options">Options for every component (and, through them, every child): the mock tests pass resource transformations to observe options.</param>
    public static Dictionary<string, object?> Define(StackSettings stack, ComponentResourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ComponentResourceOptions Opts(params Alias[] aliases)
        {
            var merged = ComponentResourceOptions.Merge(options, null);
            merged.Aliases.AddRange(aliases.Select(a => (Input<Alias>)a));
            return merged;
        }

        if (stack.Plan.BranchStack is { } branchStack)
        {
            return DefineBranch(stack, branchStack, Opts);
        }

        var plan = stack.Plan.CloneStack!;
        var s = stack.Settings;

        var server = plan.Database.Server;
        var database = new CloneDatabase(DeployPlan.DatabaseComponent, new CloneDatabaseArgs
        {
            Host = server.Host,
            Port = server.Port,
            Username = server.Username,
            Password = server.Password is { } password ? stack.SecretOf(password) : (Input<string>?)null,
            MaintenanceDatabase = server.Database,
            SslMode = server.SslMode,
            ConnectTimeout = server.ConnectTimeout,
            Name = plan.Database.Database.Name,
        }, Opts(new Alias { Name = "clone" })); // its name before issue 24

        var converge = plan.Clone.Converge;
        var clone = new Clone(DeployPlan.Clone, new CloneArgs
        {
            Database = database,
            Converge = converge.Create,
            Drop = converge.Delete!,
            Family = converge.Triggers.Select(t => (string)t).ToList(),
            Environment = stack.EnvironmentOf(converge),
            RetiredTemplateDrop = plan.Clone.RetiredTemplateDrop.Create,
            Generation = plan.Clone.Generation,
            TemplateDatabase = plan.Clone.TemplateDatabase,
            CloneMethod = plan.Clone.CloneMethod,
            RetainTemplate = plan.Clone.RetainTemplate,
            Masking = plan.Clone.Masking,
        }, Opts(new Alias { Name = "dump-restore", Type = ResourceTypes.DumpRestore })); // its name and type before issue 24

        var seed = plan.SeededState.Seed;
        var seeded = new SeededState(DeployPlan.Governance, new SeededStateArgs
        {
            Clone = clone,
            Profile = plan.SeededState.Profile,
            Seed = seed.Create,
            CloneGeneration = s.CloneGeneration,
            Environment = stack.EnvironmentOf(seed),
        }, Opts());

        Compaction? compaction = null;
        if (plan.Compaction is { } compact)
        {
            compaction = new Compaction(DeployPlan.Compaction, new CompactionArgs
            {
                SeededState = seeded,
                Generation = compact.Generation,
                Compact = compact.Compact.Create,
                OnUpdate = compact.Compact.Update!,
                Environment = stack.EnvironmentOf(compact.Compact),
            }, Opts());
        }

        var up = plan.RegressionSuite.Up;
        var suite = new RegressionSuite(DeployPlan.Suite, new RegressionSuiteArgs
        {
            SeededState = seeded,
            Compaction = compaction,
            Profile = plan.RegressionSuite.Profile,
            CloneDatabase = plan.RegressionSuite.CloneDatabase,
            Up = up.Create,
            RunId = stack.RunId,
            Environment = stack.EnvironmentOf(up),
        }, Opts());

        var result = suite.Result;
        return new Dictionary<string, object?>
        {
            ["cloneName"] = database.Name,
            ["cloneSizeBytes"] = result.Apply(o => o.CloneSizeBytes),
            ["metrics"] = result.Apply(o => o.Metrics),
            ["evidence"] = result.Apply(o => o.Evidence),
            ["verified"] = result.Apply(o => o.Verified),
            ["decision"] = result.Apply(o => o.Decision),
            ["decisionReason"] = result.Apply(o => o.DecisionReason),
            ["decisionFactors"] = result.Apply(o => o.Factors),
            ["productionUnchanged"] = result.Apply(o => o.ProductionUnchanged),
            ["masking"] = result.Apply(o => o.Masking),
            ["maskingClean"] = result.Apply(o => o.MaskingClean),
            ["maskingColumns"] = result.Apply(o => o.MaskingColumns),
            ["plannedDecision"] = StackOutputs.PlannedDecision(s),
            ["seedProfile"] = plan.SeededState.Profile,
            ["cloneGeneration"] = s.CloneGeneration,
        };
    }

    /// <summary>
    /// A branch stack (govclone:branchOf): the branch instead of the clone, and the suite on it every run; its outputs
    /// name the branch's database (what a pull request's tests connect to).
    /// </summary>
    private static Dictionary<string, object?> DefineBranch(StackSettings stack, BranchStackPlan plan, Func<Alias[], ComponentResourceOptions> options)
    {
        var create = plan.Branch.Create;
        var branch = new Branch(DeployPlan.Branch, new BranchArgs
        {
            Database = plan.Branch.Name.Database,
            BranchName = plan.Branch.Name.Name,
            Parent = plan.Branch.Parent,
            Owner = plan.Branch.Owner,
            Create = create.Create,
            Drop = create.Delete!,
            Identity = create.Triggers.Select(t => (string)t).ToList(),
            Environment = stack.EnvironmentOf(create),
        }, options([]));

        var run = plan.Suite.Run;
        var suite = new BranchSuite(DeployPlan.BranchSuite, new BranchSuiteArgs
        {
            Branch = branch,
            Profile = plan.Suite.Profile,
            Create = run.Create,
            RunId = stack.RunId,
            Environment = stack.EnvironmentOf(run),
        }, options([]));

        var result = suite.Result;
        return new Dictionary<string, object?>
        {
            ["branchName"] = plan.Branch.Name.Database,
            ["branch"] = plan.Branch.Name.Name,
            ["parentClone"] = plan.Branch.Parent,
            ["seedProfile"] = plan.Suite.Profile,
            ["sizeBytes"] = result.Apply(o => o.SizeBytes),
            ["metrics"] = result.Apply(o => o.Metrics),
            ["evidence"] = result.Apply(o => o.Evidence),
            ["verified"] = result.Apply(o => o.Verified),
        };
    }
}
